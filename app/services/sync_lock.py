"""A lease per calendar, so that two syncs of one calendar never run at once (crashed holders expire)."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import or_, select, update

from app.db import write_transaction
from app.models import SyncState
from app.timeutil import utcnow

LOCK_SECONDS = 600


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_is_dead(owner: str | None) -> bool:
    """A lock left by a killed process on this host need not wait for its lease to run out."""
    host, _, rest = (owner or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire(calendar_id: str, owner: str) -> bool:
    """Take the calendar's lease: free, expired, or held by a process of this host that no longer exists."""
    now = utcnow()
    with write_transaction() as session:
        holder = session.execute(select(SyncState.lock_owner).where(SyncState.calendar_id == calendar_id)).scalar()
        free = or_(SyncState.lock_owner.is_(None), SyncState.lock_expires_at < now)
        if holder and holder_is_dead(holder):
            free = or_(free, SyncState.lock_owner == holder)
        taken = session.execute(
            update(SyncState).where(SyncState.calendar_id == calendar_id, free)
            .values(lock_owner=owner, lock_expires_at=now + timedelta(seconds=LOCK_SECONDS))
            .returning(SyncState.calendar_id)).first()
    return taken is not None


def renew(session, calendar_id: str, owner: str) -> None:
    session.execute(update(SyncState).where(SyncState.calendar_id == calendar_id, SyncState.lock_owner == owner)
                    .values(lock_expires_at=utcnow() + timedelta(seconds=LOCK_SECONDS)))
