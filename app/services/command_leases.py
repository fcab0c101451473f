"""The queue's hot path: reaping expired leases, claiming due commands, and completing them.

Pollers call these many times a second, so the session and the ORM stay out of the way: the statements of
app/services/command_sql.py, compiled once per backend, run straight on a pooled driver connection, with values
bound and read in the column's stored form by one class per backend below (SqliteQueue, PostgresQueue). The
service functions at the end are written once, against either.

- SQLite has one writer at a time: the reap and the claim run in one BEGIN IMMEDIATE transaction.
- PostgreSQL has many: each step is one autocommit statement that locks the rows it takes with
  FOR UPDATE SKIP LOCKED, so concurrent pollers (in any number of processes) pass each other's rows by
  instead of waiting for them or taking them twice.

The hot path never joins a caller's write transaction (nothing needs it, and on SQLite it would wait for its
own lock): called inside one, it raises RuntimeError.
"""

from __future__ import annotations

import json
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from psycopg.types.json import Json
from sqlalchemy.engine import Engine

from app.config import current_settings
from app.db import autocommit_driver, driver_write_transaction
from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.extensions import db
from app.models.types import from_stored_text, stored_text
from app.services.command_sql import queue_sql
from app.timeutil import utcnow

LEASE_EXPIRED = "lease expired"
MAX_CLAIM = 100


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


@dataclass(frozen=True)
class Claim:
    """What one poll received: the claimed commands, oldest first, and when they were handed out."""

    system_id: str
    commands: list[Claimed]
    retrieved_at: datetime

    @property
    def count(self) -> int:
        return len(self.commands)


@dataclass(frozen=True)
class Completion:
    """A completed command: when it was completed (the first time, for a repeated acknowledgement)."""

    command_id: int
    completed_at: datetime | None
    status: str = "completed"


class QueueStatements(Protocol):
    """The hot path's four steps on one driver connection."""

    def reap(self, now: datetime) -> int: ...

    def claim(self, system_id: str, now: datetime, limit: int, lease_until: datetime) -> list[Claimed]: ...

    def complete(self, command_id: int, now: datetime, result: dict[str, Any]) -> bool: ...

    def state(self, command_id: int) -> tuple[str, datetime | None] | None: ...


class SqliteQueue:
    """SQLite's steps, run inside one BEGIN IMMEDIATE transaction; values bound and read in the text form
    SQLAlchemy stores them in."""

    def __init__(self, driver: sqlite3.Connection) -> None:
        self.driver = driver
        self.sql = queue_sql("sqlite")

    def reap(self, now: datetime) -> int:
        reap = self.sql.reap
        return self.driver.execute(reap.sql, reap.params(now=stored_text(now), expired=LEASE_EXPIRED)).rowcount

    def claim(self, system_id: str, now: datetime, limit: int, lease_until: datetime) -> list[Claimed]:
        claim = self.sql.claim
        rows = self.driver.execute(
            claim.sql,
            claim.params(now=stored_text(now), lease_until=stored_text(lease_until), system_id=system_id, limit=limit),
        ).fetchall()
        return [
            Claimed(row[0], row[1], json.loads(row[2]), row[3], row[4], *map(from_stored_text, row[5:])) for row in rows
        ]

    def complete(self, command_id: int, now: datetime, result: dict[str, Any]) -> bool:
        complete = self.sql.complete
        values = complete.params(now=stored_text(now), result=json.dumps(result), command_id=command_id)
        return self.driver.execute(complete.sql, values).rowcount == 1

    def state(self, command_id: int) -> tuple[str, datetime | None] | None:
        row = self.driver.execute(self.sql.state.sql, {"command_id": command_id}).fetchone()
        return None if row is None else (row[0], from_stored_text(row[1]) if row[1] else None)


class PostgresQueue:
    """PostgreSQL's steps on an autocommit psycopg connection: each one is its own atomic transaction.

    Times are bound and read as naive UTC, the form UTCDateTime keeps in `timestamp` columns (an aware value
    would be bound as timestamptz and shifted by the session's time zone).
    """

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.sql = queue_sql("postgresql")

    def reap(self, now: datetime) -> int:
        reap = self.sql.reap
        return self.driver.execute(reap.sql, reap.params(now=_naive(now), expired=LEASE_EXPIRED)).rowcount

    def claim(self, system_id: str, now: datetime, limit: int, lease_until: datetime) -> list[Claimed]:
        claim = self.sql.claim
        rows = self.driver.execute(
            claim.sql,
            claim.params(now=_naive(now), lease_until=_naive(lease_until), system_id=system_id, limit=limit),
        ).fetchall()
        return [Claimed(*row[:5], *(moment.replace(tzinfo=UTC) for moment in row[5:])) for row in rows]

    def complete(self, command_id: int, now: datetime, result: dict[str, Any]) -> bool:
        complete = self.sql.complete
        values = complete.params(now=_naive(now), result=Json(result), command_id=command_id)
        return self.driver.execute(complete.sql, values).rowcount == 1

    def state(self, command_id: int) -> tuple[str, datetime | None] | None:
        row = self.driver.execute(self.sql.state.sql, {"command_id": command_id}).fetchone()
        return None if row is None else (row[0], row[1].replace(tzinfo=UTC) if row[1] else None)


# command id -> its system, for the scope check of acknowledgements. A command's system never changes and ids
# are never given to another command (PostgreSQL's sequence never repeats; on SQLite only deleting the newest
# row would free its id, and commands are never deleted), so an entry never goes stale. Filled by claims, which
# is where a poller learns the ids it acknowledges next.
# One map per database engine (normally one per process; tests make many databases in one).
_systems: weakref.WeakKeyDictionary[Engine, dict[int, str]] = weakref.WeakKeyDictionary()
_SYSTEMS_LIMIT = 50_000


def _known_systems() -> dict[int, str]:
    return _systems.setdefault(db.engine, {})


def _remember_systems(systems: dict[int, str]) -> None:
    known = _known_systems()
    if len(known) + len(systems) > _SYSTEMS_LIMIT:
        known.clear()
    known.update(systems)


def command_system(command_id: int) -> str | None:
    """The system a command belongs to (None: no such command): remembered from its claim, else read with the hot
    path's own statement on a pooled driver connection. A queue key's scope is checked on every acknowledgement,
    so this must stay cheap."""
    known = _known_systems().get(command_id)
    if known is not None:
        return known
    backend = db.engine.dialect.name
    statement = queue_sql(backend).system
    pooled = db.engine.raw_connection()
    try:
        driver: Any = pooled.driver_connection
        row = driver.execute(statement.sql, {"command_id": command_id}).fetchone()
        if backend != "sqlite":
            driver.rollback()  # end the read's transaction before the connection goes back
        if row is None:
            return None
        _remember_systems({command_id: row[0]})
        return row[0]
    finally:
        pooled.close()


def _naive(moment: datetime) -> datetime:
    """The naive UTC form a `timestamp` column holds."""
    return moment.astimezone(UTC).replace(tzinfo=None)


@contextmanager
def queue_session() -> Iterator[QueueStatements]:
    """The backend's statements on a pooled driver connection: on SQLite inside one IMMEDIATE transaction."""
    if db.engine.dialect.name == "sqlite":
        with driver_write_transaction() as driver:
            yield SqliteQueue(driver)
    else:
        with autocommit_driver() as driver:
            yield PostgresQueue(driver)


def reap_expired_leases(now: datetime | None = None) -> int:
    """Return expired leases to pending, or to failed once attempts are used up; returns how many changed."""
    with queue_session() as queue:
        return queue.reap(now or utcnow())


def reap_job() -> bool:
    """Daemon job: reap expired leases so stale commands show up even when nobody polls."""
    return reap_expired_leases() > 0


def claim_commands(system_id: str, limit: int = 10) -> Claim:
    """Lease up to ``limit`` due pending commands of one system, oldest first, after reaping expired leases.

    Two pollers (threads or processes) never receive the same command: SQLite serialises the reap and the
    claim in one IMMEDIATE transaction; on PostgreSQL each is one statement that skips rows others hold.
    """
    if not 1 <= limit <= MAX_CLAIM:
        raise InvalidInputError("limit", f"must be between 1 and {MAX_CLAIM}")
    lease = timedelta(seconds=current_settings().commands.lease_seconds)
    with queue_session() as queue:
        now = utcnow()
        queue.reap(now)
        rows = queue.claim(system_id, now, limit, now + lease)
    _remember_systems({row.id: system_id for row in rows})
    # RETURNING order is unspecified on both backends; the contract promises oldest first.
    return Claim(system_id, sorted(rows, key=lambda row: row.id), now)


def complete_command(command_id: int, result: dict[str, Any] | None = None) -> Completion:
    """processing → completed with the poller's result; repeating it answers the same, unchanged."""
    with queue_session() as queue:
        now = utcnow()
        done: datetime | None = now
        if not queue.complete(command_id, now, result or {}):
            state = queue.state(command_id)
            if state is None:
                raise NotFoundError(f"No command with id {command_id}.")
            status, completed_at = state
            if status != "completed":
                raise wrong_state(command_id, status, "complete", "processing")
            done = completed_at
    return Completion(command_id, done)


def wrong_state(command_id: int, status: str, action: str, allowed: str) -> ConflictError:
    """The conflict for a transition the command's current status does not allow."""
    return ConflictError(
        f"Command {command_id} is {status}; '{action}' needs a {allowed} command.",
        code="invalid_state",
        details={"command_id": command_id, "status": status, "allowed": [allowed]},
    )
