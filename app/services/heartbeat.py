"""Daemon liveness: heartbeats written by the daemon, read by /health and the sync API."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.db import write_transaction
from app.extensions import db
from app.models import Heartbeat, SyncState
from app.timeutil import format_utc, utcnow

DAEMON = "daemon"
STALE_AFTER_BEATS = 3


@dataclass(frozen=True)
class SchedulerStatus:
    status: str  # running|stale|stopped
    is_running: bool
    last_heartbeat: datetime | None
    last_sync: datetime | None
    pid: int | None

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "is_running": self.is_running,
            "last_heartbeat": format_utc(self.last_heartbeat),
            "last_sync": format_utc(self.last_sync),
        }


def beat(started_at: datetime, interval_seconds: float, name: str = DAEMON) -> None:
    """Record that this process is alive now."""
    with write_transaction() as session:
        row = session.get(Heartbeat, name)
        if row is None:
            row = Heartbeat(name=name, pid=os.getpid(), started_at=started_at, beat_at=utcnow(),
                            interval_seconds=interval_seconds)
            session.add(row)
        else:
            row.pid = os.getpid()
            row.started_at = started_at
            row.beat_at = utcnow()
            row.interval_seconds = interval_seconds


def clear(name: str = DAEMON) -> None:
    """Remove the heartbeat on a clean shutdown, so the daemon reads as stopped at once."""
    with write_transaction() as session:
        row = session.get(Heartbeat, name)
        if row is not None:
            session.delete(row)


def scheduler_status(name: str = DAEMON) -> SchedulerStatus:
    row = db.session.get(Heartbeat, name)
    last_sync = db.session.execute(select(func.max(SyncState.last_sync_at))).scalar_one_or_none()
    if last_sync is not None and last_sync.tzinfo is None:
        last_sync = last_sync.replace(tzinfo=utcnow().tzinfo)
    if row is None:
        return SchedulerStatus("stopped", False, None, last_sync, None)
    age = (utcnow() - row.beat_at).total_seconds()
    fresh = age <= STALE_AFTER_BEATS * row.interval_seconds
    return SchedulerStatus("running" if fresh else "stale", fresh, row.beat_at, last_sync, row.pid)


def daemon_is_fresh() -> bool:
    return scheduler_status().is_running
