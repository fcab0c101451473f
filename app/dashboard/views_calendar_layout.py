"""Placing events on the week and month grids: quarter-hour rows, side-by-side lanes, per-day lists.

The CSP forbids style attributes, so positions are expressed as classes from a fixed set that
static/app.css defines: gr-N (start row, 1-96), rs-N (row span), gc-N / gs-N (column start / span
on a 12-column day, split into 1, 2 or 3 lanes), dc-N / ds-N (all-day columns). A cluster of overlaps
needing more than three lanes shows its first two lanes and, in the third, a "+N" that lists the rest.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.dashboard.calendar_colors import calendar_class
from app.models import Event

ROWS = 96  # quarter hours in a day
LANE_COLUMNS = 12
MAX_LANES = 3  # more lanes than this and the cluster's later lanes fold into a "+N"


@dataclass
class Block:
    """One event's piece on one day of the week grid.

    Everything the template prints is a plain attribute filled in once by ``finish`` (the week view may
    hold hundreds of events, and attribute chains and filters per event are what its render time is made of).
    ``movable``: the whole event lies on this day and its calendar may be written, so it can be dragged;
    ``locked``: the read-only account that owns it, when that is why it cannot.
    """

    event: Event
    start: datetime
    end: datetime
    row: int
    span: int
    lane: int = 0
    lanes: int = 1
    id: int = 0
    title: str = ""
    label: str = ""
    tip: str = ""
    classes: str = ""
    movable: bool = False
    first: bool = True  # the event starts on this day (its other days' pieces carry no element id)
    locked: str = ""
    start_iso: str = ""
    end_iso: str = ""

    def finish(self, lanes_shown: int | None = None) -> Block:
        lanes = min(lanes_shown or self.lanes, MAX_LANES)
        width = LANE_COLUMNS // lanes
        lane = min(self.lane, lanes - 1)
        self.id, self.title = self.event.id, self.event.title
        start, end = self.start, self.end
        self.label = f"{start.hour:02d}:{start.minute:02d}"  # (strftime is several times slower)
        self.tip = f"{self.label}–{end.hour:02d}:{end.minute:02d} {self.title}"
        if self.locked:
            self.tip += f" (read-only calendar of {self.locked}: change it there)"
        state = " is-cancelled" if self.event.status == "cancelled" else ""
        state += " is-movable" if self.movable else (" is-locked" if self.locked else "")
        self.classes = (
            f"gr-{self.row} rs-{self.span} gc-{lane * width + 1} gs-{width} type-{self.event.event_type} "
            f"{calendar_class(self.event.calendar_id)}{state}"
        )
        if self.movable:
            self.start_iso = f"{start.date().isoformat()}T{self.label}"
            self.end_iso = f"{end.date().isoformat()}T{end.hour:02d}:{end.minute:02d}"
        return self


@dataclass
class More:
    """The events of a crowded cluster that do not get a lane of their own, behind a "+N"."""

    blocks: list[Block]
    classes: str = ""
    label: str = ""

    def finish(self) -> More:
        row = min(block.row for block in self.blocks)
        end = max(block.row + block.span for block in self.blocks)
        self.blocks.sort(key=lambda block: (block.row, block.id))
        self.classes = f"gr-{row} rs-{max(1, end - row)} gc-9 gs-4"
        first, last = self.blocks[0].start, max(block.end for block in self.blocks)
        self.label = f"{len(self.blocks)} more events between {first:%H:%M} and {last:%H:%M}"
        return self


@dataclass
class AllDayBar:
    event: Event
    column: int
    span: int

    @property
    def css(self) -> str:
        return f"dc-{self.column} ds-{self.span} {calendar_class(self.event.calendar_id)}"


@dataclass
class Week:
    days: list[date]
    blocks: dict[date, list[Block]] = field(default_factory=dict)
    more: dict[date, list[More]] = field(default_factory=dict)
    all_day: list[AllDayBar] = field(default_factory=list)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def _row(moment: datetime, day_start: datetime, round_up: bool) -> int:
    minutes = (moment - day_start).total_seconds() / 60
    quarters = math.ceil(minutes / 15) if round_up else math.floor(minutes / 15)
    return max(0, min(ROWS, quarters))


def layout_week(
    monday: date, events: list[Event], zone: ZoneInfo, locked: Mapping[str, str | None] | None = None, days: int = 7
) -> Week:
    """Timed events cut into per-day blocks with lanes; all-day (and multi-day all-day) events as bars.

    ``locked`` maps calendar ids to the read-only account owning them (None: writable)."""
    locked = locked or {}
    week = Week(days=[monday + timedelta(days=offset) for offset in range(days)])
    pieces: dict[date, list[Block]] = defaultdict(list)
    midnights = [datetime.combine(day, datetime.min.time(), tzinfo=zone) for day in week.days]
    bounds = [(day, midnight, midnight + timedelta(days=1)) for day, midnight in zip(week.days, midnights, strict=True)]
    for event in events:
        start, end = event.start_time.astimezone(zone), event.end_time.astimezone(zone)
        if event.all_day:
            first = event.all_day_date or start.date()
            last = max(first, (end - timedelta(seconds=1)).date())
            lo, hi = max(first, monday), min(last, week.days[-1])
            if lo <= hi:
                week.all_day.append(AllDayBar(event, (lo - monday).days + 1, (hi - lo).days + 1))
            continue
        # Only the days the event touches (a day's bounds are worked out once per week, not per event).
        first_index = max(0, (start.date() - monday).days)
        last_index = min(days - 1, (end.date() - monday).days)
        for day, day_start, day_end in bounds[first_index : last_index + 1]:
            instant_inside = start == end and day_start <= start < day_end
            if not instant_inside and (end <= day_start or start >= day_end):
                continue
            top = _row(max(start, day_start), day_start, round_up=False)
            bottom = _row(min(end, day_end), day_start, round_up=True)
            top = min(top, ROWS - 1)
            block = Block(event, max(start, day_start), min(end, day_end), top + 1, max(1, bottom - top))
            block.locked = locked.get(event.calendar_id) or ""
            block.first = start >= day_start
            block.movable = not block.locked and day_start <= start and end <= day_end and end > start
            pieces[day].append(block)
    for day in week.days:
        week.blocks[day], week.more[day] = assign_lanes(pieces.get(day, []))
    return week


def assign_lanes(blocks: list[Block]) -> tuple[list[Block], list[More]]:
    """Overlapping blocks go side by side: each cluster of overlaps gets as many lanes as it needs, up to three;
    a cluster needing more keeps two lanes and folds the rest into one "+N" in the third."""
    blocks = sorted(blocks, key=lambda b: (b.row, -b.span, b.event.id))
    shown: list[Block] = []
    more: list[More] = []
    cluster: list[Block] = []
    cluster_end = 0
    lane_ends: list[int] = []
    for block in blocks:
        if cluster and block.row >= cluster_end:  # nothing in the cluster reaches this block: start anew
            _close(cluster, len(lane_ends), shown, more)
            cluster, lane_ends, cluster_end = [], [], 0
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= block.row:
                block.lane, lane_ends[lane] = lane, block.row + block.span
                break
        else:
            block.lane = len(lane_ends)
            lane_ends.append(block.row + block.span)
        cluster.append(block)
        cluster_end = max(cluster_end, block.row + block.span)
    if cluster:
        _close(cluster, len(lane_ends), shown, more)
    return shown, more


def _close(cluster: list[Block], lanes: int, shown: list[Block], more: list[More]) -> None:
    """Finish a cluster's blocks; past three lanes, lanes from the third on go behind a "+N"."""
    folded = [block for block in cluster if lanes > MAX_LANES and block.lane >= MAX_LANES - 1]
    for block in cluster:
        block.lanes = lanes
        block.finish(MAX_LANES if lanes > MAX_LANES else lanes)
        if not (lanes > MAX_LANES and block.lane >= MAX_LANES - 1):
            shown.append(block)
    if folded:
        more.append(More(folded).finish())


def month_days(month: date) -> list[date]:
    """The Monday-to-Sunday weeks covering ``month`` (5 or 6 rows of 7 days)."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    start = week_start(first)
    weeks = math.ceil(((following - start).days) / 7)
    return [start + timedelta(days=offset) for offset in range(weeks * 7)]


def events_by_day(events: list[Event], days: list[date], zone: ZoneInfo) -> dict[date, list[Event]]:
    """Each event under every local day it touches within ``days`` (an all-day end is exclusive)."""
    wanted = set(days)
    out: dict[date, list[Event]] = {day: [] for day in days}
    for event in events:
        start = event.start_time.astimezone(zone)
        end = event.end_time.astimezone(zone)
        first = event.all_day_date if event.all_day and event.all_day_date else start.date()
        last = max(first, (end - timedelta(microseconds=1)).date()) if end > start else first
        if first == last:  # most events: one day, no walk
            if first in wanted:
                out[first].append(event)
            continue
        day = max(first, days[0])
        while day <= last and day <= days[-1]:
            if day in wanted:
                out[day].append(event)
            day += timedelta(days=1)
    return out


def now_row(now: datetime, zone: ZoneInfo) -> tuple[date, int]:
    """The local day and the quarter-hour row of the current time."""
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date(), datetime.min.time(), tzinfo=zone)
    return local.date(), min(ROWS, _row(local, midnight, round_up=False) + 1)


def hour_labels() -> list[dict[str, Any]]:
    return [{"label": f"{hour:02d}:00", "row": hour * 4 + 1} for hour in range(24)]
