"""The productivity report: every number computed from the stored events, templates and commands."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.config import current_settings
from app.errors import InvalidInputError
from app.extensions import db
from app.models import Command, Template, TemplateUsage
from app.services import analytics_metrics as metrics
from app.services.calendars import private_calendars
from app.services.event_window import window_events
from app.services.pipeline import plugin_settings
from app.services.worktime import WorkPolicy
from app.timeutil import in_range, utcnow

MAX_DAYS = 3660


def report_window(days_back: int | None, start: date | None, end: date | None, now: datetime) -> tuple[date, date]:
    """First and last local date (inclusive): ``start``/``end``, else the ``days_back`` days ending today."""
    if start is not None or end is not None:
        if start is None or end is None:
            raise InvalidInputError("start" if start is None else "end", "give both start and end, or days_back")
        for name, day in (("start", start), ("end", end)):
            try:
                in_range(day, day.isoformat())
            except ValueError as exc:
                raise InvalidInputError(name, str(exc)) from None
        if end < start:
            raise InvalidInputError("end", "must not be before start")
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidInputError("end", f"the window may span at most {MAX_DAYS} days")
        return start, end
    days_back = 30 if days_back is None else days_back
    if not 1 <= days_back <= MAX_DAYS:
        raise InvalidInputError("days_back", f"must be from 1 to {MAX_DAYS}")
    today = now.astimezone(current_settings().zone).date()
    return today - timedelta(days=days_back - 1), today


def productivity_report(
    days_back: int | None = None, start: date | None = None, end: date | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The whole report (structure in the README, "Analytics"); days are local days of app.timezone.

    Work-only figures leave out events of calendars marked `work: false` (and events tagged `personal`).
    """
    now = now or utcnow()
    settings = current_settings()
    policy = WorkPolicy.from_settings(settings)
    first, last = report_window(days_back, start, end, now)
    low, high = policy.day_bounds(first)[0], policy.day_bounds(last)[1]
    rows = window_events(low, high)
    events = [event for event, _ in rows]
    flags = {event.id: metrics.Flags(*extra) for event, extra in rows if extra and event.id is not None}
    live = [e for e in events if e.status != "cancelled"]
    busy = metrics.busy_events(live)
    private = private_calendars()
    work = [e for e in busy if not metrics.is_private(e, private)]
    hours = plugin_settings("wellness")  # late and early hours are the wellness plugin's settings
    times = metrics.time_report(busy, flags, first, last, policy, hours.late_hour, hours.early_hour, private)
    kinds = times.pop("kinds")
    personal = kinds.pop(metrics.PERSONAL)
    return {
        "window": {
            "start": first.isoformat(),
            "end": last.isoformat(),
            "days": (last - first).days + 1,
            "timezone": settings.app.timezone,
            "start_time": low,
            "end_time": high,
        },
        "generated_at": now,
        "totals": {
            "events": len(live),
            "timed_events": sum(1 for e in live if not e.all_day),
            "all_day_events": sum(1 for e in live if e.all_day),
            "cancelled_events": len(events) - len(live),
            "counted_events": len(busy),
            "scheduled_hours": metrics.hours(sum(kinds.values())),  # work only
            **{f"{kind}_hours": metrics.hours(value) for kind, value in kinds.items()},
            "personal_hours": metrics.hours(personal),
        },
        **times,
        "tasks": metrics.task_completion(live, now),
        "longest_free_block": metrics.free_blocks(busy, first, last, policy),  # private time is not free
        "back_to_back": metrics.chains_report(work, policy),
        "templates": template_usage(low, high),
        "commands": command_outcomes(low, high),
    }


def template_usage(low: datetime, high: datetime) -> list[dict[str, Any]]:
    """Uses of each template in the window (most used first), with its all-time count."""
    rows = db.session.execute(
        select(Template.id, Template.title, Template.usage_count, func.count(TemplateUsage.id))
        .join(TemplateUsage, TemplateUsage.template_id == Template.id)
        .where(TemplateUsage.used_at >= low, TemplateUsage.used_at < high)
        .group_by(Template.id, Template.title, Template.usage_count)
        .order_by(func.count(TemplateUsage.id).desc(), Template.id)
    ).all()
    return [
        {"template_id": tid, "title": title, "uses": uses, "usage_count": total} for tid, title, total, uses in rows
    ]


def command_outcomes(low: datetime, high: datetime) -> list[dict[str, Any]]:
    """Commands created in the window per target system, counted by status."""
    rows = db.session.execute(
        select(Command.system_id, Command.status, func.count(Command.id))
        .where(Command.created_at >= low, Command.created_at < high)
        .group_by(Command.system_id, Command.status)
    ).all()
    systems: dict[str, dict[str, int]] = {}
    for system_id, status, count in rows:
        entry = systems.setdefault(
            system_id, {s: 0 for s in ("pending", "processing", "completed", "failed", "cancelled")}
        )
        entry[status] = entry.get(status, 0) + count
    return [
        {"system_id": system_id, **counts, "total": sum(counts.values())}
        for system_id, counts in sorted(systems.items())
    ]
