"""The events overlapping a window as plain EventData, for analytics and the optimizer.

Read column by column (no ORM objects) through the listing's index-friendly overlap conditions and the lean
converters, with the analytics plugin's flags joined in: a month of a 100,000-event calendar loads in a few ms.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

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


def window_events(low: datetime, high: datetime) -> list[tuple[EventData, tuple[bool, bool] | None]]:
    """Each event overlapping [low, high) (by start, then id) with its stored (is_meeting, is_focus), if any."""
    conditions, params = overlap_conditions(low, high)
    query = (
        select(*(lean_column(name) for name in FIELDS), EventAnalytics.is_meeting, EventAnalytics.is_focus)
        .select_from(Event)
        .outerjoin(EventAnalytics, EventAnalytics.event_id == Event.id)
        .where(*conditions)
        .order_by(Event.start_time, Event.id)
    )
    found = []
    for row in db.session.execute(query, params):
        values = dict(zip(FIELDS, row[: len(FIELDS)], strict=True))
        values["all_day"] = bool(values["all_day"])
        values["attendees"] = list(values["attendees"] or [])
        values["tags"] = list(values["tags"] or [])
        flags = None if row[-2] is None else (bool(row[-2]), bool(row[-1]))
        found.append((EventData(**values), flags))
    return found
