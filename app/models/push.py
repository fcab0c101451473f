"""Push channels: the notification channels a calendar provider was asked to open for the synced calendars."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow

PUSH_CHANNEL_STATES = ("opening", "active", "failed", "stopping")


class PushChannel(Model):
    """One channel: the provider sends change notices for `calendar_id` to us, carrying `id` and `token`.

    `opening` while the provider is being asked (notices may arrive before it answers), `active` once it
    answered, `failed` when it refused (retried later), `stopping` while a replaced or unused channel is stopped.
    """

    __tablename__ = "push_channels"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(String(128))
    calendar_id: Mapped[str] = mapped_column(String(255), index=True)
    account: Mapped[str] = mapped_column(String(64))
    # Where the provider sends the notices (a changed push URL means a new channel).
    address: Mapped[str] = mapped_column(String(1024))
    resource_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="opening")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the state last changed (a claim older than a few minutes belongs to a daemon that died).
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)
