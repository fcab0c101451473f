"""Day-level wellness checks for the dashboard and the optimizer: overload, meeting chains, late work."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.config import current_settings
from app.models import Event

# A gap shorter than this between two meetings is no break.
BREAK_MINUTES = 5


def _counts(event: Event) -> bool:
    return not event.all_day and event.status != "cancelled"


def day_warnings(events: list[Event], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Warnings per local day: {"type": overload|back_to_back|late_work, "date", "message", "event_ids"}."""
    config = current_settings().wellness
    by_day: dict[date, list[Event]] = defaultdict(list)
    for event in events:
        if _counts(event):
            by_day[event.start_time.astimezone(zone).date()].append(event)
    warnings: list[dict[str, Any]] = []
    for day in sorted(by_day):
        day_events = sorted(by_day[day], key=lambda item: (item.start_time, item.id or 0))
        warnings.extend(_overload(day, day_events, config.max_daily_hours))
        warnings.extend(_chains(day, day_events, config.max_back_to_back))
        warnings.extend(_late(day, day_events, zone, config.late_hour))
    return warnings


def _warning(kind: str, day: date, message: str, events: list[Event]) -> dict[str, Any]:
    return {"type": kind, "date": day.isoformat(), "message": message, "event_ids": [e.id for e in events]}


def _overload(day: date, events: list[Event], limit: float) -> list[dict[str, Any]]:
    """Scheduled time (overlaps counted once) above the daily limit."""
    busy = timedelta()
    cursor: datetime | None = None
    for event in events:
        start = max(event.start_time, cursor) if cursor else event.start_time
        if event.end_time > start:
            busy += event.end_time - start
        cursor = max(cursor, event.end_time) if cursor else event.end_time
    hours = busy.total_seconds() / 3600
    if hours <= limit:
        return []
    return [_warning("overload", day, f"{hours:.1f} h scheduled, more than the limit of {limit:g} h", events)]


def _chains(day: date, events: list[Event], minimum: int) -> list[dict[str, Any]]:
    """Runs of at least `minimum` meetings each starting less than BREAK_MINUTES after the previous ends."""
    meetings = [event for event in events if event.event_type == "meeting"]
    chains: list[list[Event]] = []
    chain: list[Event] = []
    for meeting in meetings:
        if chain and meeting.start_time - chain[-1].end_time < timedelta(minutes=BREAK_MINUTES):
            chain.append(meeting)
        else:
            chain = [meeting]
            chains.append(chain)
    return [
        _warning("back_to_back", day, f"{len(run)} meetings back to back without a break", run)
        for run in chains
        if len(run) >= minimum
    ]


def _late(day: date, events: list[Event], zone: ZoneInfo, late_hour: int) -> list[dict[str, Any]]:
    """Events still running after the late hour of their local day."""
    boundary = datetime.combine(day, time(late_hour), zone)
    late = [event for event in events if event.end_time > boundary]
    if not late:
        return []
    return [_warning("late_work", day, f"{len(late)} event(s) after {late_hour:02d}:00", late)]
