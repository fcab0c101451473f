"""Working-time arithmetic for planning and analytics: local days, working windows, interval unions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.settings import Settings
from app.timeutil import day_start, to_utc

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class WorkPolicy:
    """The planning settings the optimizer and the analytics need, read once from Settings."""

    zone: ZoneInfo
    day_begin: time
    day_end: time
    working_days: frozenset[int]
    max_daily_minutes: float
    max_chain_minutes: int
    min_break_minutes: int
    focus_block_minutes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkPolicy:
        planning = settings.planning
        begin, end = planning.working_hours.split("-")
        return cls(
            zone=settings.zone,
            day_begin=time.fromisoformat(begin),
            day_end=time.fromisoformat(end),
            working_days=frozenset(planning.working_days),
            max_daily_minutes=planning.max_daily_hours * 60,
            max_chain_minutes=planning.max_chain_minutes,
            min_break_minutes=planning.min_break_minutes,
            focus_block_minutes=planning.focus_block_minutes,
        )

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def day_bounds(self, day: date) -> Interval:
        """Local midnight to the next local midnight, in UTC (23 or 25 hours long on DST days)."""
        return day_start(day, self.zone), day_start(day + timedelta(days=1), self.zone)

    def working_window(self, day: date) -> Interval | None:
        """The working hours of ``day`` in UTC, or None on a day off."""
        if day.weekday() not in self.working_days:
            return None
        return (
            to_utc(datetime.combine(day, self.day_begin), self.zone),
            to_utc(datetime.combine(day, self.day_end), self.zone),
        )

    def days(self, start: datetime, end: datetime) -> Iterator[date]:
        """Every local date touched by [start, end)."""
        day, last = self.local_date(start), self.local_date(end - timedelta(microseconds=1))
        while day <= last:
            yield day
            day += timedelta(days=1)


def minutes(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 60)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of intervals as sorted, disjoint intervals."""
    merged: list[list[datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def clip(interval: Interval, bounds: Interval) -> Interval | None:
    start, end = max(interval[0], bounds[0]), min(interval[1], bounds[1])
    return (start, end) if start < end else None


def union_minutes(intervals: Iterable[Interval], bounds: Interval) -> float:
    """Minutes of ``bounds`` covered by at least one interval (overlaps counted once)."""
    clipped = [part for part in (clip(item, bounds) for item in intervals) if part]
    return sum(minutes(start, end) for start, end in merge(clipped))


def gaps(busy: Iterable[Interval], bounds: Interval) -> list[Interval]:
    """The free intervals of ``bounds`` between busy intervals."""
    free: list[Interval] = []
    cursor = bounds[0]
    for start, end in merge(part for part in (clip(item, bounds) for item in busy) if part):
        if start > cursor:
            free.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < bounds[1]:
        free.append((cursor, bounds[1]))
    return free


def split_by_local_hour(start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[tuple[datetime, float]]:
    """(local start of the hour, minutes) for each local clock hour that [start, end) touches."""
    cursor = start
    while cursor < end:
        local = cursor.astimezone(zone).replace(minute=0, second=0, microsecond=0)
        boundary = to_utc(local.replace(tzinfo=None) + timedelta(hours=1), zone)
        if boundary <= cursor:  # a DST jump: fall back to one real hour
            boundary = cursor + timedelta(hours=1)
        piece_end = min(end, boundary)
        yield local, minutes(cursor, piece_end)
        cursor = piece_end
