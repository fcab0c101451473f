"""One sync of a calendar at a time, across every daemon sharing the database.

PostgreSQL: a session advisory lock keyed by the calendar, on a connection of its own held for the whole
sync, so a killed daemon's lock ends with its connection. SQLite: a lease in the calendar's sync_state row,
renewed with every stored page; a lease expires, and one held by a process of this host that no longer
exists is taken over at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Protocol

from sqlalchemy import or_, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.db import write_transaction
from app.extensions import db
from app.models import SyncState
from app.services.heartbeat import process_gone
from app.timeutil import utcnow

log = logging.getLogger(__name__)

LOCK_SECONDS = 600
POLL_SECONDS = 0.2


class CalendarLock(Protocol):
    def try_acquire(self) -> bool: ...

    def renew(self, session: Session) -> None: ...

    def release(self) -> None: ...


@contextlib.contextmanager
def calendar_lock(calendar_id: str, wait_seconds: float = 0) -> Iterator[CalendarLock | None]:
    """Hold the calendar's sync lock for the block; None when another sync still holds it after the wait."""
    lock: CalendarLock = AdvisoryLock(calendar_id) if db.engine.dialect.name == "postgresql" else LeaseLock(calendar_id)
    deadline = time.monotonic() + wait_seconds
    while not lock.try_acquire():
        if time.monotonic() >= deadline:
            yield None
            return
        time.sleep(POLL_SECONDS)
    try:
        yield lock
    finally:
        lock.release()


# ---- PostgreSQL ------------------------------------------------------------------------------------------


def advisory_key(calendar_id: str) -> int:
    """A stable signed 64-bit key per calendar (advisory locks are keyed by bigint)."""
    digest = hashlib.sha256(f"chronos.sync:{calendar_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLock:
    """pg_try_advisory_lock on a pooled connection kept out of the pool until release."""

    def __init__(self, calendar_id: str) -> None:
        self.key = advisory_key(calendar_id)
        self.connection: Connection | None = None

    def try_acquire(self) -> bool:
        connection = db.engine.connect()
        try:
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar_one()
            connection.commit()  # session-level lock: it outlives the transaction, and no snapshot stays open
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self.connection = connection
        return True

    def renew(self, session: Session) -> None:
        """Nothing to renew: the lock lasts as long as its connection."""

    def release(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            connection.commit()
        except Exception:
            # A connection that may still hold the lock must never go back to the pool.
            log.exception("could not release the advisory lock %s; dropping its connection", self.key)
            connection.invalidate()
        finally:
            connection.close()


# ---- SQLite ----------------------------------------------------------------------------------------------


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:64]


def holder_is_dead(owner: str | None) -> bool:
    """A lease left by a killed process on this host need not wait until it runs out."""
    host, _, rest = (owner or "").partition(":")
    return process_gone(host, rest.partition(":")[0])


class LeaseLock:
    """The lease columns of the calendar's sync_state row, taken inside SQLite's IMMEDIATE transaction."""

    def __init__(self, calendar_id: str) -> None:
        self.calendar_id = calendar_id
        self.owner = new_owner()

    def try_acquire(self) -> bool:
        """Free, expired, or held by a process of this host that no longer exists."""
        now = utcnow()
        with write_transaction() as session:
            holder = session.execute(
                select(SyncState.lock_owner).where(SyncState.calendar_id == self.calendar_id)
            ).scalar()
            free = or_(SyncState.lock_owner.is_(None), SyncState.lock_expires_at < now)
            if holder and holder_is_dead(holder):
                free = or_(free, SyncState.lock_owner == holder)
            taken = session.execute(
                update(SyncState)
                .where(SyncState.calendar_id == self.calendar_id, free)
                .values(lock_owner=self.owner, lock_expires_at=now + timedelta(seconds=LOCK_SECONDS))
                .returning(SyncState.calendar_id)
            ).first()
        return taken is not None

    def renew(self, session: Session) -> None:
        session.execute(
            update(SyncState)
            .where(SyncState.calendar_id == self.calendar_id, SyncState.lock_owner == self.owner)
            .values(lock_expires_at=utcnow() + timedelta(seconds=LOCK_SECONDS))
        )

    def release(self) -> None:
        with write_transaction() as session:
            session.execute(
                update(SyncState)
                .where(SyncState.calendar_id == self.calendar_id, SyncState.lock_owner == self.owner)
                .values(lock_owner=None, lock_expires_at=None)
            )
