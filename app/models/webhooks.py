"""Webhooks: subscriptions, their delivery outbox, and the timed firings planned for events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow

WebhookEventType = Literal[
    "event.created", "event.updated", "event.deleted", "event.starting", "event.ended", "command.failed"
]
WEBHOOK_EVENT_TYPES: tuple[str, ...] = get_args(WebhookEventType)
# Types fired at a moment of the event (planned in webhook_firings) rather than when something changes.
TIMED_TYPES: tuple[str, ...] = ("event.starting", "event.ended")
DeliveryStatus = Literal["pending", "delivered", "failed"]
DELIVERY_STATUSES: tuple[str, ...] = get_args(DeliveryStatus)
URL_MAX = 2048


class Webhook(Model):
    """A subscriber: where to send which types, signed with its secret."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_MAX))
    description: Mapped[str] = mapped_column(String(500), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Only events of these calendars (None: every calendar).
    calendars: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    offset_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # Kept as given ("whsec_" + base64): the daemon signs with it, so it cannot be stored as a hash.
    secret: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WebhookDelivery(Model):
    """One message to one webhook (the outbox row and its log entry): written in the transaction of the change."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook", "webhook_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    # The webhook-id header: the same on every attempt, so receivers can drop duplicates.
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the next attempt is due; while an attempt is under way, when its lease ends.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookFiring(Model):
    """A planned event.starting / event.ended message; marked fired in the transaction that writes its delivery."""

    __tablename__ = "webhook_firings"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id", "type", name="uq_webhook_firing"),
        # The daemon reads the earliest unfired due time from this index.
        Index("ix_webhook_firings_due", "fired_at", "due_at"),
        Index("ix_webhook_firings_event", "event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
