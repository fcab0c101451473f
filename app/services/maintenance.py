"""Database upkeep the daemon does between syncs."""

from __future__ import annotations

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import SyncJob


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
