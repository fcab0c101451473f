"""Working-time arithmetic across daylight-saving changes and in zones with odd offsets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.services.worktime import WorkPolicy, gaps, merge, split_by_local_hour, union_minutes

BERLIN = ZoneInfo("Europe/Berlin")


def policy(zone: ZoneInfo) -> WorkPolicy:
    return WorkPolicy(
        zone=zone,
        day_begin=time(9),
        day_end=time(17),
        working_days=frozenset(range(5)),
        max_daily_minutes=480,
        max_chain_minutes=120,
        min_break_minutes=15,
        focus_block_minutes=90,
    )


def test_days_are_23_and_25_hours_long_when_the_clocks_change():
    spring = policy(BERLIN).day_bounds(date(2026, 3, 29))
    autumn = policy(BERLIN).day_bounds(date(2026, 10, 25))
    assert spring[1] - spring[0] == timedelta(hours=23)
    assert autumn[1] - autumn[0] == timedelta(hours=25)


def test_hour_split_keeps_real_minutes_across_the_spring_gap():
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET
    pieces = list(split_by_local_hour(start, start + timedelta(hours=1), BERLIN))
    assert [(local.hour, minutes) for local, minutes in pieces] == [(1, 30.0), (3, 30.0)]


def test_hour_split_follows_half_hour_offsets():
    start = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 09:30 in India (UTC+05:30)
    pieces = list(split_by_local_hour(start, start + timedelta(hours=1), ZoneInfo("Asia/Kolkata")))
    assert [(local.hour, minutes) for local, minutes in pieces] == [(9, 30.0), (10, 30.0)]


def test_working_window_is_local_and_absent_on_days_off():
    p = policy(ZoneInfo("America/New_York"))
    assert p.working_window(date(2026, 3, 2)) == (
        datetime(2026, 3, 2, 14, tzinfo=UTC),
        datetime(2026, 3, 2, 22, tzinfo=UTC),
    )
    assert p.working_window(date(2026, 3, 7)) is None


def test_union_and_gaps():
    t = datetime(2026, 3, 2, 9, tzinfo=UTC)
    busy = [
        (t, t + timedelta(hours=1)),
        (t + timedelta(minutes=30), t + timedelta(hours=2)),
        (t + timedelta(hours=3), t + timedelta(hours=4)),
    ]
    bounds = (t, t + timedelta(hours=8))
    assert merge(busy) == [(t, t + timedelta(hours=2)), (t + timedelta(hours=3), t + timedelta(hours=4))]
    assert union_minutes(busy, bounds) == 180
    assert gaps(busy, bounds) == [
        (t + timedelta(hours=2), t + timedelta(hours=3)),
        (t + timedelta(hours=4), t + timedelta(hours=8)),
    ]
