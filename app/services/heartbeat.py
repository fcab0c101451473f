"""Daemon liveness: one heartbeat row per daemon process, read by /health and the sync API."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from app.db import write_transaction
from app.extensions import db
from app.models import Heartbeat, SyncState
from app.timeutil import utcnow

# Every daemon's row is named "daemon:<host>:<pid>:<random>"; other processes may keep rows of their own.
PREFIX = "daemon:"
STALE_AFTER_BEATS = 3
# A row this long without a beat belongs to a daemon that died without clearing it (SIGKILL, power loss).
PRUNE_AFTER = timedelta(hours=1)

_process_name: tuple[int, str] | None = None


def process_name() -> str:
    """This process's heartbeat name, made once per process (a forked child gets its own)."""
    global _process_name
    if _process_name is None or _process_name[0] != os.getpid():
        # Cut to the column's 64 characters; a cut host name only means process_gone() cannot tell.
        name = f"{PREFIX}{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        _process_name = (os.getpid(), name[:64])
    return _process_name[1]


@dataclass(frozen=True)
class SchedulerStatus:
    status: str  # running|stale|stopped
    is_running: bool
    last_heartbeat: datetime | None
    last_sync: datetime | None
    pid: int | None
    daemons: int | None


def process_gone(host: str, pid: int | str) -> bool:
    """Whether a process of this host is known not to exist any more (other hosts: never known)."""
    if host != socket.gethostname() or not str(pid).isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, as another user's process
        return False
    return False


def is_alive(row: Heartbeat, now: datetime) -> bool:
    """A daemon counts while its last beat is at most three of its own intervals old, unless its process is
    seen to be gone (same host), which a SIGKILL leaves behind."""
    if (now - row.beat_at).total_seconds() > STALE_AFTER_BEATS * row.interval_seconds:
        return False
    host = row.name.removeprefix(PREFIX).rsplit(":", 2)[0]
    return not process_gone(host, row.pid)


def beat(started_at: datetime, interval_seconds: float, name: str | None = None) -> None:
    """Record that this daemon is alive now, and forget daemons that have been silent for long."""
    name = name or process_name()
    now = utcnow()
    with write_transaction() as session:
        row = session.get(Heartbeat, name)
        if row is None:
            session.add(
                Heartbeat(
                    name=name, pid=os.getpid(), started_at=started_at, beat_at=now, interval_seconds=interval_seconds
                )
            )
        else:
            row.beat_at = now
            row.interval_seconds = interval_seconds
        session.execute(
            delete(Heartbeat).where(
                Heartbeat.name.startswith(PREFIX, autoescape=True), Heartbeat.beat_at < now - PRUNE_AFTER
            )
        )


def clear(name: str | None = None) -> None:
    """Remove this daemon's heartbeat on a clean shutdown, so it stops counting at once."""
    with write_transaction() as session:
        session.execute(delete(Heartbeat).where(Heartbeat.name == (name or process_name())))


def daemon_beats() -> list[Heartbeat]:
    """Every daemon's heartbeat row, newest beat first."""
    return list(
        db.session.execute(
            select(Heartbeat)
            .where(Heartbeat.name.startswith(PREFIX, autoescape=True))
            .order_by(Heartbeat.beat_at.desc())
        ).scalars()
    )


def scheduler_status() -> SchedulerStatus:
    """Running while at least one daemon beats; `daemons` counts those beating now."""
    rows = daemon_beats()
    last_sync = db.session.execute(select(func.max(SyncState.last_sync_at))).scalar_one_or_none()
    if last_sync is not None and last_sync.tzinfo is None:
        last_sync = last_sync.replace(tzinfo=utcnow().tzinfo)
    if not rows:
        return SchedulerStatus("stopped", False, None, last_sync, None, 0)
    now = utcnow()
    alive = [row for row in rows if is_alive(row, now)]
    newest = rows[0]
    return SchedulerStatus(
        "running" if alive else "stale", bool(alive), newest.beat_at, last_sync, newest.pid, len(alive)
    )


def alive_daemons() -> list[Heartbeat]:
    """The heartbeat rows of daemons beating now."""
    now = utcnow()
    return [row for row in daemon_beats() if is_alive(row, now)]


def daemon_is_fresh() -> bool:
    return scheduler_status().is_running
