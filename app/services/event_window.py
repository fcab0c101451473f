"""The events overlapping a window as plain EventData, for analytics and the optimizer.

Read column by column (no ORM objects) through the listing's index-friendly overlap conditions and the lean
converters, with the analytics plugin's flags joined in: a month of a 100,000-event calendar loads in a few ms.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, select

from app.extensions import db
from app.models import Event, EventAnalytics
from app.plugins import EventData
from app.services.event_listing import overlap_conditions
from app.services.event_rows import lean_column

FIELDS = (
    "id",
    "title",
    "start_time",
    "end_time",
    "all_day",
    "calendar_id",
    "source",
    "external_id",
    "attendees",
    "tags",
    "event_type",
    "status",
    "priority",
)


@cache
def _statement(conditions: tuple[Any, ...]) -> Select:
    """Built once per backend's conditions (the window bounds are bind parameters)."""
    return (
        select(*(lean_column(name) for name in FIELDS), EventAnalytics.is_meeting, EventAnalytics.is_focus)
        .select_from(Event)
        .outerjoin(EventAnalytics, EventAnalytics.event_id == Event.id)
        .where(*conditions)
        .order_by(Event.start_time, Event.id)
    )


def window_events(low: datetime, high: datetime) -> list[tuple[EventData, tuple[bool, bool] | None]]:
    """Each event overlapping [low, high) (by start, then id) with its stored (is_meeting, is_focus), if any."""
    conditions, params = overlap_conditions(low, high)
    found = []
    for row in db.session.execute(_statement(tuple(conditions)), params):
        (event_id, title, start, end, all_day, calendar_id, source, external_id, attendees, tags, kind, status,
         priority, is_meeting, is_focus) = row  # fmt: skip
        event = EventData(
            title=title,
            start_time=start,
            end_time=end,
            all_day=bool(all_day),
            calendar_id=calendar_id,
            source=source,
            external_id=external_id,
            attendees=attendees or [],  # the lean reader hands out a new list per row
            tags=tags or [],
            priority=priority,
            event_type=kind,
            status=status,
            id=event_id,
        )
        found.append((event, None if is_meeting is None else (bool(is_meeting), bool(is_focus))))
    return found
