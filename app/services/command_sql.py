"""The command queue's statements, each defined once as SQLAlchemy Core and compiled once per backend.

The hot path (app/services/command_leases.py) runs the compiled text straight on a driver connection, with
the driver's own parameter style (`:name` for sqlite3, `%(name)s` for psycopg) and values already in the form
the column holds; bench/command_queue.py runs the same text for its raw baseline. Where the backends need
different shapes (reaping and claiming), both statements stand side by side below:

- SQLite has one writer at a time, so a claim is a plain `UPDATE … WHERE id IN (SELECT … LIMIT n)`, run
  together with the reap in one BEGIN IMMEDIATE transaction.
- PostgreSQL has many, so the reap and the claim lock the rows they take with FOR UPDATE SKIP LOCKED: pollers
  in any number of processes pass each other's rows by instead of waiting for them or taking them twice.

Values a caller passes: now, expired (the reap's error text), system_id, limit, lease_until, command_id,
result. Constants of a statement (statuses, the 1 added to attempts) are bound with their own values, kept
with the compiled text.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import BindParameter, ClauseElement, Table, bindparam, case, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from app.models import Command

commands = cast(Table, Command.__table__)
now: BindParameter[Any] = bindparam("now")
out_of_attempts = commands.c.attempts >= commands.c.max_attempts


def _reap_values() -> dict[str, Any]:
    """An expired lease goes back to pending, or to failed once its attempts are used up."""
    return {
        "status": case((out_of_attempts, "failed"), else_="pending"),
        "error": case((out_of_attempts, bindparam("expired")), else_=commands.c.error),
        "failed_at": case((out_of_attempts, now), else_=commands.c.failed_at),
        "lease_expires_at": null(),
        "updated_at": now,
    }


def _claim_values() -> dict[str, Any]:
    return {
        "status": "processing",
        "attempts": commands.c.attempts + 1,
        "processed_at": now,
        "lease_expires_at": bindparam("lease_until"),
        "updated_at": now,
    }


def _due(table) -> Any:
    """One system's due pending commands, oldest first, at most `limit` of them."""
    return (
        select(table.c.id)
        .where(table.c.system_id == bindparam("system_id"), table.c.status == "pending", table.c.available_at <= now)
        .order_by(table.c.id)
        .limit(bindparam("limit"))
    )


def _expired(table) -> Any:
    return (table.c.status == "processing") & (table.c.lease_expires_at <= now)


CLAIMED_COLUMNS = (
    commands.c.id,
    commands.c.command,
    commands.c.parameters,
    commands.c.status,
    commands.c.attempts,
    commands.c.created_at,
    commands.c.processed_at,
    commands.c.lease_expires_at,
)

SQLITE_REAP = update(commands).where(_expired(commands)).values(_reap_values())
# The write lock is held: the subquery's rows cannot change before the UPDATE takes them.
SQLITE_CLAIM = (
    update(commands)
    .where(commands.c.id.in_(_due(commands.alias("due")).scalar_subquery()))
    .values(_claim_values())
    .returning(*CLAIMED_COLUMNS)
)

# Rows another transaction holds (a poller acking late, another reaper) are skipped, not waited for; the lock
# re-reads each row, so one completed in the meantime is no longer expired and stays as it is.
_expired_ids = commands.alias("lapsed")
POSTGRESQL_REAP = (
    update(commands)
    .where(
        commands.c.id
        == select(_expired_ids.c.id)
        .where(_expired(_expired_ids))
        .with_for_update(skip_locked=True)
        .subquery("expired")
        .c.id
    )
    .values(_reap_values())
)
# LIMIT applies after the locks: rows being claimed by a concurrent poll are passed by and the next due ones
# taken, so a poll comes back empty only when nothing due is left unclaimed. MATERIALIZED keeps the locking
# SELECT a single step that runs once.
_due_ids = _due(commands.alias("pending")).with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
POSTGRESQL_CLAIM = (
    update(commands).where(commands.c.id == _due_ids.c.id).values(_claim_values()).returning(*CLAIMED_COLUMNS)
)

# A guarded transition: of a complete racing a fail (or a second complete), exactly one changes the command.
COMPLETE = (
    update(commands)
    .where(commands.c.id == bindparam("command_id"), commands.c.status == "processing")
    .values(status="completed", completed_at=now, result=bindparam("result"), lease_expires_at=null(), updated_at=now)
)
# What a refused transition reports: the command's status (and when it was completed).
STATE = select(commands.c.status, commands.c.completed_at).where(commands.c.id == bindparam("command_id"))
SYSTEM = select(commands.c.system_id).where(commands.c.id == bindparam("command_id"))

CALLER_VALUES = frozenset({"now", "expired", "system_id", "limit", "lease_until", "command_id", "result"})


class CompiledStatement(NamedTuple):
    """A statement's text in one driver's parameter style, and the values of its own constants."""

    sql: str
    constants: dict[str, Any]

    def params(self, **values: Any) -> dict[str, Any]:
        """Everything the driver binds: the statement's constants and the caller's values."""
        return {**self.constants, **values} if self.constants else values


class QueueSql(NamedTuple):
    """The queue's statements compiled for one backend."""

    reap: CompiledStatement
    claim: CompiledStatement
    complete: CompiledStatement
    state: CompiledStatement
    system: CompiledStatement


def _compiled(statement: ClauseElement, dialect: Dialect) -> CompiledStatement:
    compiled = statement.compile(dialect=dialect)
    constants = {name: value for name, value in compiled.params.items() if name not in CALLER_VALUES}
    return CompiledStatement(str(compiled), constants)


@cache
def queue_sql(backend: str) -> QueueSql:
    """The statements for "sqlite" (sqlite3, `:name` parameters) or "postgresql" (psycopg, `%(name)s`)."""
    dialect: Dialect
    if backend == "sqlite":
        dialect = sqlite.dialect(paramstyle="named")
        reap, claim = SQLITE_REAP, SQLITE_CLAIM
    elif backend == "postgresql":
        dialect = postgresql.psycopg.dialect()
        reap, claim = POSTGRESQL_REAP, POSTGRESQL_CLAIM
    else:
        raise ValueError(f"no command queue statements for {backend!r}")
    return QueueSql(*(_compiled(statement, dialect) for statement in (reap, claim, COMPLETE, STATE, SYSTEM)))
