"""Day-level wellness warnings for the dashboard: overload, meeting chains and late work (work calendars only).

Overload and chains are the optimizer's own definitions (app.services.day_load, planning.max_daily_hours and
planning.min_break_minutes); how many chained meetings are too many and the late hour are the wellness
plugin's settings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from app.config import current_settings
from app.models import Event
from app.plugins import EventData
from app.services.calendars import private_calendars
from app.services.day_load import back_to_back_chains, day_minutes, over_daily_limit
from app.services.pipeline import event_data_from_model, plugin_settings
from app.services.schedule_rules import is_busy
from app.services.worktime import WorkPolicy


def day_warnings(events: list[Event], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Warnings per local day: {"type": overload|back_to_back|late_work, "date", "message", "event_ids"}."""
    policy = replace(WorkPolicy.from_settings(current_settings()), zone=zone)
    config = plugin_settings("wellness")
    private = private_calendars()  # private life is neither overload nor late work
    busy = sorted(
        (data for data in map(event_data_from_model, events) if is_busy(data) and data.calendar_id not in private),
        key=lambda e: (e.start_time, e.id or 0),
    )
    by_day: dict[date, list[EventData]] = defaultdict(list)
    for event in busy:
        by_day[policy.local_date(event.start_time)].append(event)
    warnings: list[dict[str, Any]] = []
    for day in sorted(by_day):
        day_events = by_day[day]
        warnings.extend(_overload(day, day_events, policy))
        warnings.extend(_chains(day, day_events, policy, config.max_back_to_back))
        warnings.extend(_late(day, day_events, zone, config.late_hour))
    return warnings


def _warning(kind: str, day: date, message: str, events: list[EventData]) -> dict[str, Any]:
    return {"type": kind, "date": day.isoformat(), "message": message, "event_ids": [e.id for e in events]}


def _overload(day: date, events: list[EventData], policy: WorkPolicy) -> list[dict[str, Any]]:
    """The day's scheduled time (overlaps counted once) above planning.max_daily_hours."""
    minutes = day_minutes(((e.start_time, e.end_time) for e in events), day, policy)
    if not over_daily_limit(minutes, policy):
        return []
    limit = policy.max_daily_minutes / 60
    message = f"{minutes / 60:.1f} h scheduled, more than the limit of {limit:g} h"
    return [_warning("overload", day, message, events)]


def _chains(day: date, events: list[EventData], policy: WorkPolicy, minimum: int) -> list[dict[str, Any]]:
    """Back-to-back chains of at least `minimum` meetings."""
    meetings = [event for event in events if event.event_type == "meeting"]
    return [
        _warning("back_to_back", day, f"{len(run)} meetings back to back without a break", run)
        for run in back_to_back_chains(meetings, policy)
        if len(run) >= minimum
    ]


def _late(day: date, events: list[EventData], zone: ZoneInfo, late_hour: int) -> list[dict[str, Any]]:
    """Events still running after the late hour of their local day."""
    boundary = datetime.combine(day, time(late_hour), zone)
    late = [event for event in events if event.end_time > boundary]
    if not late:
        return []
    return [_warning("late_work", day, f"{len(late)} event(s) after {late_hour:02d}:00", late)]
