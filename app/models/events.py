"""Calendar events and what plugins derive from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow

# Each value list once, as a type (for the API's schemas) and as a tuple (for columns, forms and checks).
Priority = Literal["LOW", "MEDIUM", "HIGH", "URGENT"]
EventType = Literal["meeting", "task", "appointment", "reminder", "block"]
EventStatus = Literal["scheduled", "in_progress", "completed", "cancelled", "rescheduled"]
PRIORITIES: tuple[str, ...] = get_args(Priority)
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
EVENT_STATUSES: tuple[str, ...] = get_args(EventStatus)
# Field length limits, in characters: the columns, the input checks, the API schemas and the forms use these.
TITLE_MAX = 200
DESCRIPTION_MAX = 20000
LOCATION_MAX = 500
CALENDAR_ID_MAX = 255
TIMEZONE_MAX = 64
TAG_MAX = 64
# An event's length in days as SQLite computes it; the expression index below must use the same text.
SPAN_SQL = "(julianday(end_time) - julianday(start_time))"


class Event(Model):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("calendar_id", "external_id", name="uq_events_calendar_external"),
        Index("ix_events_start_end", "start_time", "end_time"),
        Index("ix_events_end", "end_time"),
        # (start_time, rowid): windows read "start, then id" in index order instead of sorting.
        Index("ix_events_start", "start_time"),
        # Longest event span, read in O(log n) so window queries can bound their start-time range scan.
        Index("ix_events_span", sql_text(SPAN_SQL)).ddl_if(dialect="sqlite"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(LOCATION_MAX), default="")
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    all_day_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_MAX), default="UTC")
    calendar_id: Mapped[str] = mapped_column(String(CALENDAR_ID_MAX), default="local", index=True)
    source: Mapped[str] = mapped_column(String(16), default="local")
    external_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    recurring_event_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    original_start_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    upstream_updated: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[str] = mapped_column(String(8), default="MEDIUM")
    event_type: Mapped[str] = mapped_column(String(16), default="meeting")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EventAnalytics(Model):
    """Per-event metrics written by the analytics plugin, recomputed when the event changes."""

    __tablename__ = "event_analytics"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    duration_minutes: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(32))
    is_focus: Mapped[bool] = mapped_column(Boolean, default=False)
    is_meeting: Mapped[bool] = mapped_column(Boolean, default=False)
    time_of_day: Mapped[str] = mapped_column(String(16))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Note(Model):
    """A NOTIZ:/NOTE: calendar entry turned into a note."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_key: Mapped[str] = mapped_column(String(1100), unique=True)
    text: Mapped[str] = mapped_column(Text)
    event_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    event_end_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    calendar_id: Mapped[str] = mapped_column(String(255), default="local")
    external_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    event_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UrlPayload(Model):
    """A URL: calendar entry turned into a saved link."""

    __tablename__ = "url_payloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_key: Mapped[str] = mapped_column(String(1100), unique=True)
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(String(500), default="")
    event_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    calendar_id: Mapped[str] = mapped_column(String(255), default="local")
    external_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    event_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
