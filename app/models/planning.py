"""Planning bookkeeping: dismissed optimizer suggestions and the log of moves made by planning."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow


class DismissedSuggestion(Model):
    """A suggestion the user dismissed; its key names the rule and the events, so it does not come back."""

    __tablename__ = "dismissed_suggestions"

    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanningAction(Model):
    """One event moved by the optimizer, an applied suggestion, or a planning job (what, from, to, why)."""

    __tablename__ = "planning_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(32))  # optimize|apply|timeboxing|replanning
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    event_title: Mapped[str] = mapped_column(String(200), default="")
    suggestion_key: Mapped[str] = mapped_column(String(500), default="")
    previous_start: Mapped[datetime] = mapped_column(UTCDateTime)
    previous_end: Mapped[datetime] = mapped_column(UTCDateTime)
    new_start: Mapped[datetime] = mapped_column(UTCDateTime)
    new_end: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    upstream_patch_queued: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
