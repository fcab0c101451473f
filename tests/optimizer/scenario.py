"""Building hand-made weeks for planning and analytics tests: events inserted straight through the model."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.db import write_transaction
from app.extensions import db
from app.models import Event

# A Monday; the week of 2026-03-02 has no DST change in Europe or America.
MONDAY = date(2026, 3, 2)


def at(day: int, clock: str, zone: str = "UTC") -> datetime:
    """Aware UTC for "day N of the test week, HH:MM local time in zone"."""
    hour, minute = (int(part) for part in clock.split(":"))
    local = datetime.combine(MONDAY + timedelta(days=day), datetime.min.time()).replace(hour=hour, minute=minute)
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def add(title: str, day: int, start: str, end: str, *, zone: str = "UTC", event_type: str = "task", **fields) -> int:
    """Insert one event of the test week and return its id."""
    with write_transaction() as session:
        event = Event(
            title=title,
            start_time=at(day, start, zone),
            end_time=at(day, end, zone),
            event_type=event_type,
            calendar_id=fields.pop("calendar_id", "local"),
            source=fields.pop("source", "local"),
            **fields,
        )
        session.add(event)
        session.flush()
        return event.id


def times(event_id: int) -> tuple[datetime, datetime]:
    db.session.rollback()  # read the latest committed state
    event = db.session.get(Event, event_id)
    return event.start_time, event.end_time


def all_times() -> dict[int, tuple[datetime, datetime]]:
    db.session.rollback()
    return {e.id: (e.start_time, e.end_time) for e in db.session.query(Event).all()}


def current_suggestions(window_days: int, now: datetime) -> list[dict]:
    """The planning service's suggestions as the API answers them (SuggestionOut JSON)."""
    from app.api.planning_schemas import SuggestionOut
    from app.services import planning

    return [
        SuggestionOut.model_validate(item).model_dump(mode="json")
        for item in planning.current_suggestions(window_days, now)
    ]


def optimize(window_days: int, auto_apply: bool, now: datetime) -> dict:
    """An optimizer run as POST /api/v1/ai/optimize answers it (OptimizeOut JSON)."""
    from app.api.planning_schemas import OptimizeOut
    from app.services import planning

    return OptimizeOut.model_validate(planning.optimize(window_days, auto_apply=auto_apply, now=now)).model_dump(
        mode="json"
    )
