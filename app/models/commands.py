"""Commands that external systems poll for, created from ACTION: calendar entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow

CommandStatus = Literal["pending", "processing", "completed", "failed", "cancelled"]
COMMAND_STATUSES: tuple[str, ...] = get_args(CommandStatus)


@dataclass(frozen=True)
class CommandOrigin:
    """The calendar entry a command was made from."""

    calendar_id: str | None
    external_id: str | None
    event_title: str


class Command(Model):
    __tablename__ = "commands"
    __table_args__ = (
        # A claim reads one system's pending commands in id order and stops after `limit` due ones: no sort
        # of the whole backlog (available_at is checked from the index itself).
        Index("ix_commands_due", "system_id", "status", "id", "available_at"),
        Index("ix_commands_lease", "status", "lease_expires_at"),
        # Dead letters not yet announced to webhooks (command.failed) are found through this.
        Index("ix_commands_dead_letter", "status", "dead_letter_sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[str] = mapped_column(String(200))
    command: Mapped[str] = mapped_column(String(100))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When the command's becoming failed was handed to the webhooks (command.failed); None while not yet.
    dead_letter_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    source_key: Mapped[str] = mapped_column(String(1100), unique=True)
    calendar_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    event_title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def source(self) -> CommandOrigin:
        """Where the command came from (its calendar entry)."""
        return CommandOrigin(self.calendar_id, self.external_id, self.event_title)
