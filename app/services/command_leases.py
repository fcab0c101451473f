"""The queue's hot path: reaping expired leases, claiming due commands, and completing them.

Pollers call these many times a second, so the session and the ORM stay out of the way. On SQLite the
statements run straight on a driver connection (QueueSql below); elsewhere, or inside a caller's write
transaction, the same statements built once as Core statements run on the session's connection (QueueCore).
The service functions are written once, against either.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any, NamedTuple, Protocol

from sqlalchemy import JSON, and_, bindparam, case, select
from sqlalchemy.engine import Connection

from app.config import current_settings
from app.db import driver_write_transaction, in_write_transaction, write_transaction
from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.extensions import db
from app.models import Command, UTCDateTime
from app.models.types import from_stored_text, stored_text
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


class Claimed(NamedTuple):
    """One command as a claim hands it out."""

    id: int
    command: str
    parameters: dict[str, Any]
    status: str
    attempts: int
    created_at: datetime
    processed_at: datetime
    lease_expires_at: datetime


class QueueStatements(Protocol):
    """The hot path's four statements, run inside one write transaction."""

    def reap(self, now: datetime) -> int: ...

    def claim(self, system_id: str, now: datetime, limit: int, lease_until: datetime) -> list[Claimed]: ...

    def complete(self, command_id: int, now: datetime, result: dict[str, Any]) -> bool: ...

    def state(self, command_id: int) -> tuple[str, datetime | None] | None: ...


class QueueCore:
    """The statements as prebuilt SQLAlchemy Core statements on the session's connection (any database)."""

    def __init__(self, connection: Connection) -> None:
        self.connection, self.statements = connection, _statements()

    def reap(self, now: datetime) -> int:
        return len(self.connection.execute(self.statements.reap, {"now": now}).all())

    def claim(self, system_id: str, now: datetime, limit: int, lease_until: datetime) -> list[Claimed]:
        rows = self.connection.execute(self.statements.claim, {"for_system": system_id, "now": now,
                                                               "limit": limit, "lease_until": lease_until})
        return [Claimed(*row) for row in rows]

    def complete(self, command_id: int, now: datetime, result: dict[str, Any]) -> bool:
        return self.connection.execute(self.statements.complete, {"command_id": command_id, "now": now,
                                                                  "result_value": result}).rowcount == 1

    def state(self, command_id: int) -> tuple[str, datetime | None] | None:
        row = self.connection.execute(self.statements.state, {"command_id": command_id}).one_or_none()
        return None if row is None else (row.status, row.completed_at)


class QueueSql:
    """The same statements in SQLite's SQL on a driver connection; values stored as SQLAlchemy stores them."""

    REAP = ("UPDATE commands SET"
            " status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END,"
            " error = CASE WHEN attempts >= max_attempts THEN :expired ELSE error END,"
            " failed_at = CASE WHEN attempts >= max_attempts THEN :now ELSE failed_at END,"
            " lease_expires_at = NULL, updated_at = :now"
            " WHERE status = 'processing' AND lease_expires_at <= :now")
    CLAIM = ("UPDATE commands SET status = 'processing', attempts = attempts + 1, processed_at = :now,"
             " lease_expires_at = :lease_until, updated_at = :now"
             " WHERE id IN (SELECT id FROM commands WHERE system_id = :system_id AND status = 'pending'"
             " AND available_at <= :now ORDER BY id LIMIT :limit)"
             " RETURNING id, command, parameters, status, attempts, created_at, processed_at, lease_expires_at")
    COMPLETE = ("UPDATE commands SET status = 'completed', completed_at = :now, result = :result,"
                " lease_expires_at = NULL, updated_at = :now WHERE id = :command_id AND status = 'processing'")
    STATE = "SELECT status, completed_at FROM commands WHERE id = ?"

    def __init__(self, driver: sqlite3.Connection) -> None:
        self.driver = driver

    def reap(self, now: datetime) -> int:
        return self.driver.execute(self.REAP, {"now": stored_text(now), "expired": LEASE_EXPIRED}).rowcount

    def claim(self, system_id: str, now: datetime, limit: int, lease_until: datetime) -> list[Claimed]:
        rows = self.driver.execute(self.CLAIM, {"now": stored_text(now), "lease_until": stored_text(lease_until),
                                                "system_id": system_id, "limit": limit}).fetchall()
        return [Claimed(row[0], row[1], json.loads(row[2]), row[3], row[4], *map(from_stored_text, row[5:]))
                for row in rows]

    def complete(self, command_id: int, now: datetime, result: dict[str, Any]) -> bool:
        return self.driver.execute(self.COMPLETE, {"now": stored_text(now), "result": json.dumps(result),
                                                   "command_id": command_id}).rowcount == 1

    def state(self, command_id: int) -> tuple[str, datetime | None] | None:
        row = self.driver.execute(self.STATE, (command_id,)).fetchone()
        return None if row is None else (row[0], from_stored_text(row[1]) if row[1] else None)


@contextmanager
def queue_transaction() -> Iterator[QueueStatements]:
    """One write transaction for the hot path: on the driver where that is possible, else the session's."""
    if db.engine.dialect.name == "sqlite" and not in_write_transaction():
        with driver_write_transaction() as driver:
            yield QueueSql(driver)
    else:
        with write_transaction() as session:
            yield QueueCore(session.connection())


def reap_expired_leases(now: datetime | None = None) -> int:
    """Return expired leases to pending, or to failed once attempts are used up; returns how many changed."""
    with queue_transaction() as queue:
        return queue.reap(now or utcnow())


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
    with queue_transaction() as queue:
        now = utcnow()
        queue.reap(now)
        rows = queue.claim(system_id, now, limit, now + lease)
    # RETURNING order is unspecified in SQLite; the contract promises oldest first.
    commands = [_claimed_json(row) for row in sorted(rows, key=lambda row: row.id)]
    return {"system_id": system_id, "commands": commands, "count": len(commands),
            "retrieved_at": format_utc(now)}


def _claimed_json(row: Claimed) -> dict[str, Any]:
    return {"id": row.id, "command": row.command, "parameters": row.parameters, "status": row.status,
            "attempts": row.attempts, "created_at": format_utc(row.created_at),
            "processed_at": format_utc(row.processed_at),
            "lease_expires_at": format_utc(row.lease_expires_at)}


def complete_command(command_id: int, result: dict[str, Any] | None = None) -> dict[str, Any]:
    """processing → completed with the poller's result; repeating it answers the same, unchanged."""
    with queue_transaction() as queue:
        done = utcnow()
        if not queue.complete(command_id, done, result or {}):
            state = queue.state(command_id)
            if state is None:
                raise NotFoundError(f"No command with id {command_id}.")
            status, completed_at = state
            if status != "completed":
                raise wrong_state(command_id, status, "complete", "processing")
            done = completed_at
    return {"command_id": command_id, "status": "completed", "completed_at": format_utc(done)}


def wrong_state(command_id: int, status: str, action: str, allowed: str) -> ConflictError:
    """The 409 for a transition the command's current status does not allow."""
    return ConflictError(
        f"Command {command_id} is {status}; '{action}' needs a {allowed} command.",
        code="invalid_state", details={"command_id": command_id, "status": status, "allowed": [allowed]},
    )
