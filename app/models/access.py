"""Access control: API keys, dashboard sessions and the failed sign-in counts that throttle guessing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.types import UTCDateTime, utcnow


class ApiKey(Model):
    """A bearer key with its scopes; only the SHA-256 of the key is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_key_hash", "key_hash", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class DashboardSession(Model):
    """A dashboard sign-in; the cookie carries its id, and a session without a live row is signed out."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The SHA-256 of the key used to sign in: the session ends when that key is revoked or replaced.
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuthFailure(Model):
    """Failed sign-ins of one kind (login or api) from one address within one fixed window."""

    __tablename__ = "auth_failures"
    # Old windows are deleted by window number.
    __table_args__ = (Index("ix_auth_failures_window", "window_index"),)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The window's number: seconds since the epoch divided by the window's length.
    window_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Model):
    """One change made through the API or the dashboard: when, with which key, what, to which resource."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    key_name: Mapped[str] = mapped_column(String(100))
    # api or dashboard
    channel: Mapped[str] = mapped_column(String(16))
    # The route's name, e.g. create_event, revoke_key, template_update.
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
