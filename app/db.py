"""Database engine set-up: SQLite pragmas, the FTS5 index, and the write-transaction helper."""

from __future__ import annotations

import contextvars
import logging
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Executable, Table, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session

from app.extensions import db
from app.settings import ConfigError, Settings, masked_url

log = logging.getLogger(__name__)

# How long a connection waits for another's write lock before SQLite answers "database is locked".
BUSY_TIMEOUT_MS = 10_000
_immediate = contextvars.ContextVar("chronos_begin_immediate", default=False)

# A pooled PostgreSQL connection idle for longer than this is checked before it is used again (a server restart
# or an idle timeout may have closed it); busy connections skip the round trip a check on every checkout costs.
IDLE_CHECK_SECONDS = 30.0


def configure_engine(engine: Engine) -> None:
    """SQLite: per-connection pragmas and IMMEDIATE write transactions. PostgreSQL: idle connections checked."""
    if engine.dialect.name == "postgresql":
        _check_idle_connections(engine)
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # The driver's own transaction handling is switched off so that we choose how BEGIN is issued.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Straight on the driver: this runs for every transaction, and SQLAlchemy's statement path costs more
        # than the BEGIN itself.
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


def switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """PRAGMA journal_mode=WAL, waiting while another connection holds the lock it needs.

    The switch is made once per database file, by its first connection; SQLite answers "database is locked" at
    once, without its busy handler, when processes opening a new file at the same moment get in each other's way
    (seen with four `init-db` processes started together). A file already in WAL mode answers at once.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _check_idle_connections(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_CHECK_SECONDS:
            return
        try:
            dbapi_connection.execute("SELECT 1")
            if not dbapi_connection.autocommit:
                dbapi_connection.rollback()
        except Exception as error:  # any driver failure here means the connection is gone
            # The pool discards this connection and hands out a new one instead.
            raise DisconnectionError(str(error)) from error


@contextmanager
def begin_immediate() -> Iterator[None]:
    """Transactions begun on this thread inside the block take SQLite's write lock up front."""
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)


@contextmanager
def write_transaction(session: Session | None = None) -> Iterator[Session]:
    """Run a block in one write transaction that takes SQLite's write lock up front.

    A deferred transaction that later upgrades to a write lock is what produces "database is locked"
    between two processes; BEGIN IMMEDIATE waits on busy_timeout instead. Nested use joins the outer block.
    """
    session = session or db.session()  # the scoped session's current Session
    if in_write_transaction(session):
        yield session
        return
    if session.in_transaction():
        # End a read snapshot first: upgrading it to a writer could fail with SQLITE_BUSY at once.
        session.commit()
    with begin_immediate(), session.begin():
        yield session


def in_write_transaction(session: Session | None = None) -> bool:
    """True inside a write_transaction block of this thread (a nested block joins it)."""
    return _immediate.get() and (session or db.session()).in_transaction()


@contextmanager
def driver_write_transaction() -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT straight on a pooled sqlite3 connection, for the few hot paths.

    The ORM session's bookkeeping costs several times SQLite's own work on a one-row update; callers that
    run many tiny transactions a second (the command queue's claims and acks) use this instead. SQLite only,
    and never inside a write_transaction block (that one holds the write lock already: join it instead).

    Threads of one process take turns on a lock of their own before asking SQLite for its write lock: a thread
    refused by SQLite sleeps in its busy handler (1 ms, then 2, 5, 10 …) even when the lock is free again
    sooner, while a thread waiting here wakes the moment the previous one commits. Taking turns also hands the
    same pooled connection (the pool is LIFO) from one transaction to the next, so its page cache stays valid
    instead of being read again on every transaction. Other processes still meet at SQLite's lock.
    """
    if db.engine.dialect.name != "sqlite" or in_write_transaction():
        raise RuntimeError("driver_write_transaction needs SQLite and no open write_transaction")
    engine = db.engine
    turn = _write_turns.get(engine)
    if turn is None:
        with _write_turns_guard:
            turn = _write_turns.setdefault(engine, threading.Lock())
    # Waiting for our turn counts against the same limit as waiting for SQLite's lock would.
    if not turn.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
        raise sqlite3.OperationalError("database is locked")
    try:
        pooled = engine.raw_connection()
        try:
            driver: Any = pooled.driver_connection
            driver.execute("BEGIN IMMEDIATE")
            try:
                yield driver
            except BaseException:
                driver.execute("ROLLBACK")
                raise
            driver.execute("COMMIT")
        finally:
            pooled.close()
    finally:
        turn.release()


# One lock per SQLite engine (normally one per process): the turns driver_write_transaction takes.
_write_turns: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_write_turns_guard = threading.Lock()


@contextmanager
def autocommit_driver() -> Iterator[Any]:
    """A pooled psycopg connection in autocommit mode, for the few PostgreSQL hot paths.

    Each statement is then its own transaction, with no BEGIN and COMMIT round trips: right for work that is
    one atomic statement (the command queue's claims and acks). The connection goes back to the pool in the
    driver's usual transactional mode, or is discarded when the server dropped it.
    """
    if db.engine.dialect.name != "postgresql" or in_write_transaction():
        raise RuntimeError("autocommit_driver needs PostgreSQL and no open write_transaction")
    pooled = db.engine.raw_connection()
    driver: Any = pooled.driver_connection
    try:
        driver.autocommit = True
        yield driver
    finally:
        if driver.broken or driver.closed:
            pooled.invalidate()
        else:
            driver.autocommit = False
        pooled.close()


# Workers that run one long read statement beside the request's own (see scalar_beside); as many as cores
# are useful, and a busy pool means the caller runs the statement itself.
_BESIDE_WORKERS = 2
_beside_pool = ThreadPoolExecutor(max_workers=_BESIDE_WORKERS, thread_name_prefix="chronos-read-beside")
_beside_free = threading.BoundedSemaphore(_BESIDE_WORKERS)


def scalar_beside(statement: Executable, params: dict[str, Any]) -> Callable[[], Any]:
    """Start a read statement returning one value on another pooled connection, in a worker thread, and
    return a function that waits for its value. The caller's session meanwhile runs its own statements:
    SQLite does the two on two cores (the driver releases the GIL while a statement steps).

    The other connection reads the last committed state, so inside a write transaction, on an in-memory
    database, or with every worker busy, the statement simply runs now on the caller's session.
    """
    session = db.session()
    engine = db.engine
    in_memory = engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")
    if (
        in_memory
        or in_write_transaction(session)
        or session.new
        or session.dirty
        or session.deleted
        or not _beside_free.acquire(blocking=False)
    ):
        value = session.execute(statement, params).scalar_one()
        return lambda: value

    def run() -> Any:
        try:
            with engine.connect() as connection:
                return connection.execute(statement, params).scalar_one()
        finally:
            _beside_free.release()

    try:
        return _beside_pool.submit(run).result
    except BaseException:
        _beside_free.release()
        raise


def upsert(table: Table, key_columns: list[str], changed_columns: list[str]):
    """INSERT … ON CONFLICT (key) DO UPDATE of the changed columns; SQLite and PostgreSQL both speak it."""
    dialect = sqlite if db.engine.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=key_columns, set_={name: statement.excluded[name] for name in changed_columns}
    )


def fts_available() -> bool:
    """True when the events full-text index exists: the FTS5 table on SQLite, the GIN index on PostgreSQL."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        return inspect(engine).has_table("events_fts")
    return "ix_events_search" in {index["name"] for index in inspect(engine).get_indexes("events")}


def engine_options(settings: Settings) -> dict[str, Any]:
    """Connection settings per backend: SQLite shares one file between threads; PostgreSQL keeps a pool."""
    if settings.database_url.startswith("sqlite"):
        # LIFO: the connection used last (its page cache still valid) is the one handed out next.
        return {
            "pool_use_lifo": True,
            "connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        }
    return {
        "pool_size": settings.database.pool_size,
        "max_overflow": settings.database.max_overflow,
        "pool_recycle": 1800,
        # No server-side prepared statements: a prepared search would soon run a generic plan, chosen without
        # the search's words (seconds for a rare word); and poolers in transaction mode cannot keep them.
        "connect_args": {"connect_timeout": 10, "application_name": "chronos", "prepare_threshold": None},
    }


class DatabaseUnavailable(ConfigError):
    """The database cannot be reached or opened at start-up; the message is one line naming it."""


def check_connection() -> None:
    """Open one connection now, so that a wrong URL or a server that is down stops start-up clearly."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as error:
        reason = str(getattr(error, "orig", error) or error).strip().splitlines()
        raise DatabaseUnavailable(
            f"database error: cannot use {masked_url(str(db.engine.url))}: "
            f"{reason[0] if reason else type(error).__name__}"
        ) from None


def server_version() -> str:
    """The database library or server this process runs on, for the start-up log line."""
    if db.engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    info = db.engine.dialect.server_version_info or ()
    return "PostgreSQL " + ".".join(map(str, info))


def database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
        return True
    except Exception:  # any driver failure means "unreachable" to the health check
        log.exception("database health check failed")
        db.session.rollback()
        return False
