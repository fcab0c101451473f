"""Small read-only queries the dashboard needs and the services do not offer (lists for filters)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Command, Event


def command_systems() -> list[str]:
    """Every system id that has commands, for the queue's system filter."""
    return list(db.session.scalars(select(Command.system_id).distinct().order_by(Command.system_id)))


def event_calendars() -> list[str]:
    """Every calendar id that has stored events, for the calendar filters."""
    return list(db.session.scalars(select(Event.calendar_id).distinct().order_by(Event.calendar_id)))
