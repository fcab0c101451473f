"""The queue's hot path: reaping expired leases, claiming due commands, and completing them.

Pollers call these many times a second, so the statements are built once (on first use) with bind
parameters and run as Core statements on the session's connection: building and ORM-compiling an UPDATE on
every call cost several times more than SQLite's own work.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import JSON, and_, bindparam, case, select

from app.config import current_settings
from app.db import write_transaction
from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.models import Command, UTCDateTime
from app.timeutil import format_utc, utcnow

LEASE_EXPIRED = "lease expired"
MAX_CLAIM = 100


@cache
def _statements() -> SimpleNamespace:
    """The prepared statements of the hot path (built on first use, never at import time)."""
    table = Command.__table__
    c = table.c
    now = bindparam("now", type_=UTCDateTime())
    exhausted = c.attempts >= c.max_attempts
    reap = (table.update()
            .where(c.status == "processing", c.lease_expires_at <= now)
            .values(status=case((exhausted, "failed"), else_="pending"),
                    error=case((exhausted, LEASE_EXPIRED), else_=c.error),
                    failed_at=case((exhausted, now), else_=c.failed_at),
                    lease_expires_at=None, updated_at=now)
            .returning(c.id))
    due = (select(c.id)
           .where(c.system_id == bindparam("for_system"), c.status == "pending",
                  c.available_at <= now)
           .order_by(c.id).limit(bindparam("limit")))
    claim = (table.update()
             .where(c.id.in_(due.scalar_subquery()))
             .values(status="processing", attempts=c.attempts + 1, processed_at=now,
                     lease_expires_at=bindparam("lease_until", type_=UTCDateTime()), updated_at=now)
             .returning(c.id, c.command, c.parameters, c.status, c.attempts, c.created_at, c.processed_at,
                        c.lease_expires_at))
    complete = (table.update()
                .where(and_(c.id == bindparam("command_id"), c.status == "processing"))
                .values(status="completed", completed_at=now, result=bindparam("result_value", type_=JSON()),
                        lease_expires_at=None, updated_at=now))
    state = select(c.status, c.completed_at).where(c.id == bindparam("command_id"))
    return SimpleNamespace(reap=reap, claim=claim, complete=complete, state=state)


def reap_expired_leases(now: datetime | None = None) -> int:
    """Return expired leases to pending, or to failed once attempts are used up; returns how many changed."""
    with write_transaction() as session:
        rows = session.connection().execute(_statements().reap, {"now": now or utcnow()}).all()
    return len(rows)


def reap_job() -> bool:
    """Daemon job: reap expired leases so stale commands show up even when nobody polls."""
    return reap_expired_leases() > 0


def claim_commands(system_id: str, limit: int = 10) -> dict[str, Any]:
    """Atomically lease up to ``limit`` due pending commands of one system, oldest first.

    One IMMEDIATE transaction: expired leases are reaped first, then one UPDATE ... RETURNING claims,
    so two pollers (threads or processes) can never receive the same command.
    """
    if not 1 <= limit <= MAX_CLAIM:
        raise InvalidInputError("limit", f"must be between 1 and {MAX_CLAIM}")
    lease = timedelta(seconds=current_settings().commands.lease_seconds)
    statements = _statements()
    with write_transaction() as session:
        connection = session.connection()
        now = utcnow()
        connection.execute(statements.reap, {"now": now})
        rows = connection.execute(statements.claim, {"for_system": system_id, "now": now, "limit": limit,
                                                     "lease_until": now + lease}).all()
    # RETURNING order is unspecified in SQLite; the contract promises oldest first.
    commands = [_claimed_json(row) for row in sorted(rows, key=lambda row: row.id)]
    return {"system_id": system_id, "commands": commands, "count": len(commands),
            "retrieved_at": format_utc(now)}


def _claimed_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "command": row.command, "parameters": row.parameters, "status": row.status,
            "attempts": row.attempts, "created_at": format_utc(row.created_at),
            "processed_at": format_utc(row.processed_at),
            "lease_expires_at": format_utc(row.lease_expires_at)}


def complete_command(command_id: int, result: dict[str, Any] | None = None) -> dict[str, Any]:
    """processing → completed with the poller's result; repeating it answers the same, unchanged."""
    statements = _statements()
    with write_transaction() as session:
        connection = session.connection()
        done = utcnow()
        changed = connection.execute(statements.complete, {"command_id": command_id, "now": done,
                                                           "result_value": result or {}}).rowcount
        if changed != 1:
            row = connection.execute(statements.state, {"command_id": command_id}).one_or_none()
            if row is None:
                raise NotFoundError(f"No command with id {command_id}.")
            if row.status != "completed":
                raise wrong_state(command_id, row.status, "complete", "processing")
            done = row.completed_at
    return {"command_id": command_id, "status": "completed", "completed_at": format_utc(done)}


def wrong_state(command_id: int, status: str, action: str, allowed: str) -> ConflictError:
    """The 409 for a transition the command's current status does not allow."""
    return ConflictError(
        f"Command {command_id} is {status}; '{action}' needs a {allowed} command.",
        code="invalid_state", details={"command_id": command_id, "status": status, "allowed": [allowed]},
    )
