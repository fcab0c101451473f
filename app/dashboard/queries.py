"""Small read-only queries the dashboard needs and the services do not offer (lists for filters)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Command, Event, SyncJob


def command_systems() -> list[str]:
    """Every system id that has commands, for the queue's system filter."""
    return list(db.session.scalars(select(Command.system_id).distinct().order_by(Command.system_id)))


def event_calendars() -> list[str]:
    """Every calendar id that has stored events, for the calendar filters."""
    return list(db.session.scalars(select(Event.calendar_id).distinct().order_by(Event.calendar_id)))


def window_events(first_day: date, days: int, calendars: list[str] | None = None, cap: int = 5000) -> list[Event]:
    """Every event overlapping ``days`` days from ``first_day`` (app zone), through the events service.

    The service pages at 500, so a busy window takes a few pages; ``cap`` bounds a pathological one.
    """
    from app.services import events

    found: list[Event] = []
    page = 1
    while len(found) < cap:
        items, total = events.list_events(
            calendars=calendars or None, anchor=first_day, range_days=days, direction="future", page=page, page_size=500
        )
        found.extend(items)
        if len(found) >= total or not items:
            break
        page += 1
    return found


def recent_sync_jobs(limit: int = 8) -> list[SyncJob]:
    """The latest sync requests, newest first, for the sync page's history."""
    return list(db.session.scalars(select(SyncJob).order_by(SyncJob.id.desc()).limit(limit)))
