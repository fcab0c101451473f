"""Week layout: side-by-side lanes for overlaps, the "+N" of crowded hours, which blocks may be dragged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.dashboard.views_calendar_layout import assign_lanes, layout_week
from app.models import Event

MONDAY = date(2030, 1, 7)
_ids = iter(range(1, 10_000))


def event(start: str, end: str, calendar: str = "local", **extra) -> Event:
    """An unsaved event (layout needs no database); times are UTC on Tuesday 8 January 2030."""
    return Event(
        id=next(_ids),
        title=extra.pop("title", f"E{start}"),
        start_time=datetime.fromisoformat(f"2030-01-08T{start}").replace(tzinfo=UTC),
        end_time=datetime.fromisoformat(f"2030-01-08T{end}").replace(tzinfo=UTC),
        all_day=False,
        calendar_id=calendar,
        event_type="meeting",
        status="scheduled",
        **extra,
    )


def tuesday(events: list[Event], **kwargs):
    week = layout_week(MONDAY, events, ZoneInfo("UTC"), **kwargs)
    return week.blocks[MONDAY + timedelta(days=1)], week.more[MONDAY + timedelta(days=1)]


def placement(block) -> tuple[str, str]:
    """The lane classes (column start, column span) of a block."""
    parts = block.classes.split()
    return parts[2], parts[3]


def test_separate_events_take_the_full_width():
    shown, more = tuesday([event("09:00", "10:00"), event("10:00", "11:00")])
    assert [placement(b) for b in shown] == [("gc-1", "gs-12"), ("gc-1", "gs-12")]
    assert more == []


def test_three_overlapping_events_get_three_columns():
    shown, more = tuesday([event("09:00", "11:00"), event("09:30", "10:30"), event("10:00", "12:00")])
    assert sorted(placement(b) for b in shown) == [("gc-1", "gs-4"), ("gc-5", "gs-4"), ("gc-9", "gs-4")]
    assert more == []


def test_a_lane_is_reused_once_free():
    # A 09-10, B 09-12, C 10-11: C fits under A, so two lanes are enough.
    a, b, c = event("09:00", "10:00"), event("09:00", "12:00"), event("10:00", "11:00")
    shown, more = tuesday([a, b, c])
    assert more == []
    lanes = {block.event.id: placement(block) for block in shown}
    assert lanes[b.id] == ("gc-1", "gs-6") and lanes[a.id] == ("gc-7", "gs-6") and lanes[c.id] == ("gc-7", "gs-6")


def test_more_than_three_overlapping_fold_into_plus_n():
    five = [event("10:00", "11:00", title=f"Meeting {n}") for n in range(5)]
    shown, more = tuesday(five)
    assert len(shown) == 2 and [placement(b) for b in shown] == [("gc-1", "gs-4"), ("gc-5", "gs-4")]
    assert len(more) == 1 and len(more[0].blocks) == 3
    assert more[0].classes == "gr-41 rs-4 gc-9 gs-4"  # 10:00 is row 41, one hour spans four rows
    assert more[0].label == "3 more events between 10:00 and 11:00"
    titles = {b.title for b in shown} | {b.title for b in more[0].blocks}
    assert titles == {f"Meeting {n}" for n in range(5)}  # nobody lost


def test_clusters_are_independent():
    crowd = [event("08:00", "09:00") for _ in range(4)]
    alone = event("15:00", "16:00")
    shown, more = tuesday([*crowd, alone])
    assert placement(next(b for b in shown if b.event.id == alone.id)) == ("gc-1", "gs-12")
    assert len(more) == 1 and len(more[0].blocks) == 2


def test_calendar_class_and_drag_rules():
    mine = event("09:00", "10:00", "local")
    theirs = event("11:00", "12:00", "primary")
    overnight = Event(
        id=next(_ids),
        title="Night shift",
        start_time=datetime(2030, 1, 8, 22, tzinfo=UTC),
        end_time=datetime(2030, 1, 9, 6, tzinfo=UTC),
        all_day=False,
        calendar_id="local",
        event_type="meeting",
        status="scheduled",
    )
    shown, _ = tuesday([mine, theirs, overnight], locked={"primary": "demo", "local": None})
    by_id = {block.event.id: block for block in shown}
    assert "cal-local" in by_id[mine.id].classes and by_id[mine.id].movable
    assert by_id[mine.id].start_iso == "2030-01-08T09:00" and by_id[mine.id].end_iso == "2030-01-08T10:00"
    locked = by_id[theirs.id]
    assert not locked.movable and locked.locked == "demo" and "is-locked" in locked.classes
    assert "read-only" in locked.tip
    assert not by_id[overnight.id].movable  # cut at midnight: edited through its form, not dragged


def test_assign_lanes_of_nothing():
    assert assign_lanes([]) == ([], [])


def test_an_overnight_event_has_one_element_id(dashboard):
    from tests.dashboard.helpers import make_event

    event_id = make_event("Night shift", start="2030-01-08T22:00:00Z", end="2030-01-09T06:00:00Z")
    html = dashboard.get("/calendar/week?start=2030-01-08").text
    assert html.count(f'id="ev-{event_id}"') == 1 and html.count(f'href="/events/{event_id}"') == 2
