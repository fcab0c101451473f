"""Event templates and their usage log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.events import CALENDAR_ID_MAX, TITLE_MAX
from app.models.types import UTCDateTime, utcnow

# Length limits of a template's own fields (title, calendar and tags share the event's limits).
TEMPLATE_DESCRIPTION_MAX = 5000
AUTHOR_MAX = 200
# A template's event lasts from one minute to a whole day.
DURATION_MIN, DURATION_MAX = 1, 1440


class Template(Model):
    __tablename__ = "templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    default_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    calendar_id: Mapped[str] = mapped_column(String(CALENDAR_ID_MAX), default="local")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    author: Mapped[str] = mapped_column(String(AUTHOR_MAX), default="")
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TemplateUsage(Model):
    __tablename__ = "template_usage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
