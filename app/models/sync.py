"""Sync bookkeeping: per-calendar state, sync jobs, pending upstream changes, daemon liveness."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow

SYNC_JOB_STATUSES = ("queued", "running", "succeeded", "failed")


class SyncState(Model):
    """One row per synced calendar: its cursor and how the last run went."""

    __tablename__ = "sync_state"

    calendar_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    sync_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="never")  # never|ok|error|disconnected
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When a run last succeeded (last_sync_at counts failed runs too); monitoring alerts on its age.
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A lease on the calendar, so that two syncs of one calendar never run at once (crashed holders expire).
    lock_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lock_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SyncJob(Model):
    """A sync requested by the web or API and carried out by the daemon."""

    __tablename__ = "sync_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    days_ahead: Mapped[int] = mapped_column(Integer, default=7)
    force_refresh: Mapped[bool] = mapped_column(Boolean, default=False)
    calendar_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    requested_by: Mapped[str] = mapped_column(String(32), default="api")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PendingUpstreamOp(Model):
    """A change that must still reach the calendar provider (delete or patch), retried until it does."""

    __tablename__ = "pending_upstream_ops"
    __table_args__ = (UniqueConstraint("calendar_id", "external_id", "op", name="uq_upstream_op"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_id: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(1024))
    op: Mapped[str] = mapped_column(String(16))  # delete|patch
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The heartbeat name of the daemon holding the row's claim (next_attempt_at is then its lease's end).
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UpstreamDeletion(Model):
    """An event this app removed from its source (or took over as a command, note or link).

    Read-only sources (demo, ICS) leave such events out, so they do not come back; a tombstone from
    Google for one of them is recognised as our own delete, not the user's.
    """

    __tablename__ = "upstream_deletions"
    __table_args__ = (UniqueConstraint("calendar_id", "external_id", name="uq_upstream_deletion"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_id: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(1024))
    reason: Mapped[str] = mapped_column(String(32), default="consumed")
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Heartbeat(Model):
    """Liveness of a background process, written every few seconds."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    interval_seconds: Mapped[float] = mapped_column(default=5.0)


class JobRecord(Model):
    """How each daemon job last ran; failures keep their message for the dashboard and /health."""

    __tablename__ = "job_records"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[str] = mapped_column(String(16), default="never")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
