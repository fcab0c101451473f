"""Events: listing by overlap window and search, and create/update/delete through the plugin pipeline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, text

from app.config import current_settings
from app.db import write_transaction
from app.errors import InvalidInputError, NotFoundError
from app.extensions import db
from app.models import Event
from app.models.events import SPAN_SQL
from app.plugins import Consumed, EventData
from app.services import pipeline, search
from app.services.event_fields import normalize_event_fields
from app.services.event_serialization import event_json
from app.timeutil import day_start, today

__all__ = [
    "create_event", "delete_event", "event_json", "get_event", "list_events", "update_event",
    "window_bounds",
]

DIRECTIONS = ("future", "past", "all")
MAX_RANGE_DAYS = 3660


def window_bounds(anchor: date, range_days: int, direction: str, zone: Any
                  ) -> tuple[datetime | None, datetime | None]:
    """UTC [low, high) of a listing window; None is unbounded (range -1 on the side direction names)."""
    if direction not in DIRECTIONS:
        raise InvalidInputError("direction", f"must be one of {', '.join(DIRECTIONS)}")
    if range_days != -1 and not 1 <= range_days <= MAX_RANGE_DAYS:
        raise InvalidInputError("range", f"must be 1-{MAX_RANGE_DAYS} days, or -1 for unbounded")
    unbounded = range_days == -1
    span = timedelta(days=0 if unbounded else range_days)
    if direction == "future":
        return day_start(anchor, zone), None if unbounded else day_start(anchor + span, zone)
    if direction == "past":
        return None if unbounded else day_start(anchor - span, zone), day_start(anchor + timedelta(days=1), zone)
    if unbounded:
        return None, None
    return day_start(anchor - span, zone), day_start(anchor + span, zone)


def _overlap(low: datetime | None, high: datetime | None) -> list[Any]:
    """Conditions for events overlapping [low, high); an instant event at `low` counts as inside."""
    conditions: list[Any] = []
    if high is not None:
        conditions.append(Event.start_time < high)
    if low is not None:
        conditions.append(or_(Event.end_time > low, Event.start_time >= low))
        longest = _longest_span_days()
        if longest is not None:
            # No event is longer than this, so the start-time index scan can start here.
            conditions.append(Event.start_time >= low - timedelta(days=longest, seconds=1))
    return conditions


def _longest_span_days() -> float | None:
    """Length in days of the longest stored event (an index lookup on SQLite), None elsewhere or if empty."""
    if db.engine.dialect.name != "sqlite":
        return None
    value = db.session.execute(text(f"SELECT max{SPAN_SQL} FROM events")).scalar()  # noqa: S608 - constant
    return max(float(value), 0.0) if value is not None else None


def list_events(*, calendars: list[str] | None = None, anchor: date | None = None, range_days: int = 30,
                direction: str = "future", q: str | None = None, page: int = 1, page_size: int = 100
                ) -> tuple[list[Event], int]:
    """One page of the events overlapping the window, and how many there are in all."""
    if page < 1:
        raise InvalidInputError("page", "must be 1 or more")
    if not 1 <= page_size <= 500:
        raise InvalidInputError("page_size", "must be 1-500")
    zone = current_settings().zone
    low, high = window_bounds(anchor or today(zone), range_days, direction, zone)
    conditions = _overlap(low, high)
    if calendars:
        conditions.append(Event.calendar_id.in_(calendars))
    descending = direction == "past"
    order = [Event.start_time.desc(), Event.id.desc()] if descending else [Event.start_time, Event.id]
    query: Select = select(Event)
    if q is not None and q.strip():
        query, order = _with_search(query, q, order, conditions)
        if query is None:
            return [], 0
    query = query.where(and_(*conditions)) if conditions else query
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(query.order_by(*order).limit(page_size).offset((page - 1) * page_size))
    return list(rows.scalars().all()), total


def _with_search(query: Select, q: str, order: list[Any], conditions: list[Any]
                 ) -> tuple[Select | None, list[Any]]:
    """Restrict to events matching q, best match first; None when q holds nothing searchable."""
    if db.engine.dialect.name != "sqlite":
        words = [word for word in q.split() if word]
        for word in words:
            pattern = f"%{word}%"
            conditions.append(or_(Event.title.ilike(pattern), Event.description.ilike(pattern)))
        return query, order
    expression = search.match_expression(q)
    if expression is None:
        return None, order
    matches = search.ranked_matches(expression)
    return query.join(matches, matches.c.id == Event.id), [matches.c.rank, *order]


def get_event(event_id: int) -> Event:
    """One stored event, or NotFoundError."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFoundError(f"No event with id {event_id}.")
    return event


def create_event(fields: dict[str, Any]) -> tuple[Event | None, Consumed | None]:
    """Validate, run the plugin pipeline, store: (event, None), or (None, consumed) when a plugin took it."""
    values = normalize_event_fields(fields, current_settings().zone)
    data = EventData(**values, source="local")
    with write_transaction() as session:
        outcome = pipeline.run_pipeline(data)
        if outcome.consumed is not None or outcome.event is None:
            return None, outcome.consumed
        event = Event()
        pipeline.apply_event_data(event, outcome.event)
        session.add(event)
        session.flush()
        pipeline.after_store(outcome.event.copy(id=event.id))
    return event, None


def update_event(event_id: int, fields: dict[str, Any], *, partial: bool) -> Event:
    """Replace (PUT) or change (PATCH) an event; plugins annotate it again and analytics are recomputed."""
    with write_transaction() as session:
        event = get_event(event_id)
        values = normalize_event_fields(fields, current_settings().zone, existing=event, partial=partial)
        data = pipeline.event_data_from_model(event).copy(**values, problems=[])
        outcome = pipeline.run_pipeline(data, allow_consume=False)
        pipeline.apply_event_data(event, outcome.event or data)
        session.flush()
        pipeline.after_store(pipeline.event_data_from_model(event))
    return event


def delete_event(event_id: int) -> None:
    """Delete an event; a synced one is also queued for deletion at its calendar provider."""
    from app.services.sync_outbox import queue_delete

    with write_transaction() as session:
        event = get_event(event_id)
        if event.external_id and event.source != "local":
            # The outbox also remembers the deletion, so the next sync does not bring the event back.
            queue_delete(event.calendar_id, event.source, event.external_id, reason="deleted")
        session.delete(event)
