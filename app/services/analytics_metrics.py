"""Pure productivity metrics over a window of events (no database): the numbers of the analytics report."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.plugins import EventData
from app.services.day_load import back_to_back_chains
from app.services.schedule_rules import FOCUS, is_busy, is_private
from app.services.worktime import WorkPolicy, gaps, merge, minutes, split_by_local_hour

KINDS = ("meeting", "focus", "other")  # work
PERSONAL = "personal"  # time on private calendars, counted apart from work
ALL_KINDS = (*KINDS, PERSONAL)
HOUR = timedelta(hours=1)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Flags:
    """What the analytics plugin stored for an event, when it did."""

    is_meeting: bool
    is_focus: bool


def kind_of(event: EventData, flags: Flags | None) -> str:
    """meeting, focus or other: a `focus` tag first, then the analytics plugin's flags, then the event itself."""
    if FOCUS in {tag.casefold() for tag in event.tags}:
        return "focus"
    if flags is not None:
        return "focus" if flags.is_focus else "meeting" if flags.is_meeting else "other"
    if event.attendees or event.event_type == "meeting":
        return "meeting"
    if event.event_type in ("block", "task"):  # one's own work, as the analytics plugin counts it
        return "focus"
    return "other"


def hours(value_minutes: float) -> float:
    return round(value_minutes / 60, 2)


def local_hours(start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[tuple[datetime, float]]:
    """(local start of the hour, minutes) for each local clock hour [start, end) touches.

    Wall-clock arithmetic when no UTC offset change falls inside (nearly always: a report walks thousands
    of events); otherwise the exact, slower split.
    """
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.utcoffset() != local_end.utcoffset():
        yield from split_by_local_hour(start, end, zone)
        return
    cursor, stop = local_start, local_end
    while cursor < stop:
        hour = cursor.replace(minute=0, second=0, microsecond=0)
        boundary = min(stop, hour + HOUR)
        yield hour, (boundary - cursor).total_seconds() / 60
        cursor = boundary


def time_report(
    events: list[EventData],
    flags: dict[int, Flags],
    first: date,
    last: date,
    policy: WorkPolicy,
    late_hour: int,
    early_hour: int,
    private: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Hours per day, calendar, kind and week, the weekday × hour heat map, and out-of-hours work.

    Work-only figures (hours per day and week by kind, the heat map, out-of-hours work) leave out private
    events, which are counted apart as personal hours; hours per calendar count every calendar.
    """
    low, high = policy.day_bounds(first)[0], policy.day_bounds(last)[1]
    per_day = {first + timedelta(days=n): dict.fromkeys(ALL_KINDS, 0.0) for n in range((last - first).days + 1)}
    day_events: dict[date, set[int]] = defaultdict(set)
    per_calendar: dict[str, dict[str, float]] = defaultdict(lambda: {"minutes": 0.0, "events": 0})
    heat = [[0.0] * 24 for _ in range(7)]
    outside = {"late": 0.0, "early": 0.0, "weekend": 0.0}
    working_days = policy.working_days
    for event in events:
        start, end = max(event.start_time, low), min(event.end_time, high)
        if start >= end:
            continue
        work = not is_private(event, private)
        kind = kind_of(event, flags.get(event.id or 0)) if work else PERSONAL
        total = 0.0
        for local_hour, part in local_hours(start, end, policy.zone):
            day = local_hour.date()
            per_day[day][kind] += part
            total += part
            if not work:
                continue
            day_events[day].add(event.id or 0)
            weekday, hour = day.weekday(), local_hour.hour
            heat[weekday][hour] += part
            if weekday not in working_days:
                outside["weekend"] += part
            elif hour >= late_hour:
                outside["late"] += part
            elif hour < early_hour:
                outside["early"] += part
        per_calendar[event.calendar_id]["minutes"] += total
        per_calendar[event.calendar_id]["events"] += 1
    return {
        "hours_per_day": [
            {
                "date": day.isoformat(),
                "weekday": WEEKDAYS[day.weekday()],
                "hours": hours(sum(kinds[k] for k in KINDS)),
                **{f"{k}_hours": hours(v) for k, v in kinds.items()},
                "events": len(day_events[day]),
            }
            for day, kinds in per_day.items()
        ],
        "hours_per_calendar": [
            {"calendar_id": cal, "hours": hours(v["minutes"]), "events": int(v["events"])}
            for cal, v in sorted(per_calendar.items())
        ],
        "weekly": _weekly(per_day),
        "heatmap": {
            "weekdays": list(WEEKDAYS),
            "hours": list(range(24)),
            "matrix": [[hours(cell) for cell in row] for row in heat],
            "max": hours(max(max(row) for row in heat)),
        },
        "busiest_weekday": _busiest([sum(row) for row in heat], lambda i: {"weekday": WEEKDAYS[i], "index": i}),
        "busiest_hour": _busiest([sum(heat[d][h] for d in range(7)) for h in range(24)], lambda h: {"hour": h}),
        "work_outside_hours": {f"{k}_hours": hours(v) for k, v in outside.items()},
        "kinds": {k: sum(day[k] for day in per_day.values()) for k in ALL_KINDS},  # minutes, unrounded
    }


def _weekly(per_day: dict[date, dict[str, float]]) -> list[dict[str, Any]]:
    weeks: dict[date, dict[str, float]] = {}
    for day, kinds in per_day.items():
        week = weeks.setdefault(day - timedelta(days=day.weekday()), dict.fromkeys(ALL_KINDS, 0.0))
        for kind, value in kinds.items():
            week[kind] += value
    return [
        {"week_start": week.isoformat(), **{f"{k}_hours": hours(v) for k, v in kinds.items()}}
        for week, kinds in sorted(weeks.items())
    ]


def _busiest(totals: list[float], label) -> dict[str, Any] | None:
    if not any(totals):
        return None
    index = max(range(len(totals)), key=lambda i: (totals[i], -i))  # ties: the earliest
    return {**label(index), "hours": hours(totals[index])}


def free_blocks(busy: list[EventData], first: date, last: date, policy: WorkPolicy) -> list[dict[str, Any]]:
    """The longest free stretch inside working hours of each working day."""
    intervals = merge((e.start_time, e.end_time) for e in busy)
    found = []
    day = first
    while day <= last:
        window = policy.working_window(day)
        if window is not None:
            free = gaps(intervals, window)
            if free:
                start, end = max(free, key=lambda slot: (slot[1] - slot[0], -slot[0].timestamp()))
                found.append(
                    {
                        "date": day.isoformat(),
                        "start": start,
                        "end": end,
                        "minutes": round(minutes(start, end)),
                    }
                )
            else:
                found.append({"date": day.isoformat(), "start": None, "end": None, "minutes": 0})
        day += timedelta(days=1)
    return found


def chains_report(busy: list[EventData], policy: WorkPolicy) -> dict[str, Any]:
    """Back-to-back chains: runs of events with gaps under planning.min_break_minutes."""
    chains: list[dict[str, Any]] = []
    for chain in back_to_back_chains(busy, policy):
        end = max(e.end_time for e in chain)
        chains.append(
            {
                "date": policy.local_date(chain[0].start_time).isoformat(),
                "start": chain[0].start_time,
                "end": end,
                "minutes": round(minutes(chain[0].start_time, end)),
                "events": len(chain),
                "event_ids": [e.id for e in chain],
            }
        )
    longest = max((int(c["minutes"]) for c in chains), default=0)
    return {"count": len(chains), "longest_minutes": longest, "chains": chains}


def task_completion(events: list[EventData], now: datetime) -> dict[str, Any]:
    """Completed share of the tasks whose time has passed (cancelled ones left out)."""
    past = [e for e in events if e.event_type == "task" and e.status != "cancelled" and e.end_time <= now]
    done = sum(1 for e in past if e.status == "completed")
    return {"past_tasks": len(past), "completed": done, "completion_rate": round(done / len(past), 3) if past else None}


def busy_events(events: list[EventData]) -> list[EventData]:
    return sorted((e for e in events if is_busy(e)), key=lambda e: (e.start_time, e.id or 0))
