"""Database upkeep the daemon does between syncs."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, text

from app.config import current_settings
from app.db import write_transaction
from app.extensions import db
from app.models import AuditEntry, DashboardSession, SyncJob
from app.timeutil import utcnow

# An ended dashboard sign-in is kept a day for reference; a live one lasts as long as its cookie.
ENDED_SESSION_KEPT = timedelta(days=1)


def checkpoint_wal() -> bool:
    """Fold the SQLite write-ahead log back into the database when no sync is running (keeps the WAL small).

    PASSIVE never waits for readers or writers, so it cannot stall the web process.
    """
    if db.engine.dialect.name != "sqlite":
        return False
    running = db.session.execute(select(func.count(SyncJob.id)).where(SyncJob.status == "running")).scalar_one()
    db.session.commit()
    if running:
        return False
    db.session.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
    db.session.commit()
    return False  # routine upkeep: not recorded as work done


def prune_security_records(now: datetime | None = None) -> bool:
    """Delete audit entries older than security.audit_days and dashboard sessions that ended or expired."""
    now = now or utcnow()
    oldest_entry = now - timedelta(days=current_settings().security.audit_days)
    with write_transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.at < oldest_entry))
        session.execute(
            delete(DashboardSession).where(
                or_(
                    DashboardSession.ended_at < now - ENDED_SESSION_KEPT,
                    DashboardSession.created_at < now - current_app.permanent_session_lifetime,
                )
            )
        )
    return False  # routine upkeep: not recorded as work done
