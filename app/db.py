"""Database engine set-up: SQLite pragmas, the FTS5 index, and the write-transaction helper."""

from __future__ import annotations

import contextvars
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Executable, Table, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.extensions import db

log = logging.getLogger(__name__)

# How long a connection waits for another's write lock before SQLite answers "database is locked".
BUSY_TIMEOUT_MS = 10_000
_immediate = contextvars.ContextVar("chronos_begin_immediate", default=False)

# External-content FTS5 table over events, kept in step by triggers inside the writing transaction. The
# prefix indexes serve search-as-you-type (the last word is matched as a prefix) without merging every term.
FTS_PREFIX_LENGTHS = (2, 3)
FTS_SCHEMA = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5(
        title, description, location,
        content='events', content_rowid='id', tokenize='unicode61 remove_diacritics 2',
        prefix='{" ".join(map(str, FTS_PREFIX_LENGTHS))}')""",
    # The index's terms in order, one row per occurrence: a search expands a long prefix into the terms it
    # stands for by reading the first term at or after a bound (app.services.search.prefix_terms).
    "CREATE VIRTUAL TABLE IF NOT EXISTS events_fts_terms USING fts5vocab(events_fts, instance)",
    """CREATE TRIGGER IF NOT EXISTS events_fts_insert AFTER INSERT ON events BEGIN
        INSERT INTO events_fts(rowid, title, description, location)
        VALUES (new.id, new.title, coalesce(new.description, ''), coalesce(new.location, ''));
    END""",
    """CREATE TRIGGER IF NOT EXISTS events_fts_delete AFTER DELETE ON events BEGIN
        INSERT INTO events_fts(events_fts, rowid, title, description, location)
        VALUES ('delete', old.id, old.title, coalesce(old.description, ''), coalesce(old.location, ''));
    END""",
    """CREATE TRIGGER IF NOT EXISTS events_fts_update AFTER UPDATE OF title, description, location ON events
    BEGIN
        INSERT INTO events_fts(events_fts, rowid, title, description, location)
        VALUES ('delete', old.id, old.title, coalesce(old.description, ''), coalesce(old.location, ''));
        INSERT INTO events_fts(rowid, title, description, location)
        VALUES (new.id, new.title, coalesce(new.description, ''), coalesce(new.location, ''));
    END""",
]


def configure_engine(engine: Engine) -> None:
    """Attach the per-connection pragmas and IMMEDIATE write transactions to a SQLite engine."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # The driver's own transaction handling is switched off so that we choose how BEGIN is issued.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Straight on the driver: this runs for every transaction, and SQLAlchemy's statement path costs more
        # than the BEGIN itself.
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


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
    token = _immediate.set(True)
    try:
        with session.begin():
            yield session
    finally:
        _immediate.reset(token)


def in_write_transaction(session: Session | None = None) -> bool:
    """True inside a write_transaction block of this thread (a nested block joins it)."""
    return _immediate.get() and (session or db.session()).in_transaction()


@contextmanager
def driver_write_transaction() -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT straight on a pooled sqlite3 connection, for the few hot paths.

    The ORM session's bookkeeping costs several times SQLite's own work on a one-row update; callers that
    run many tiny transactions a second (the command queue's claims and acks) use this instead. SQLite only,
    and never inside a write_transaction block (that one holds the write lock already: join it instead).
    """
    if db.engine.dialect.name != "sqlite" or in_write_transaction():
        raise RuntimeError("driver_write_transaction needs SQLite and no open write_transaction")
    pooled = db.engine.raw_connection()
    try:
        driver = pooled.driver_connection
        driver.execute("BEGIN IMMEDIATE")
        try:
            yield driver
        except BaseException:
            driver.execute("ROLLBACK")
            raise
        driver.execute("COMMIT")
    finally:
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
    if in_memory or in_write_transaction(session) or session.new or session.dirty or session.deleted \
            or not _beside_free.acquire(blocking=False):
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
        index_elements=key_columns, set_={name: statement.excluded[name] for name in changed_columns})


# Indexes an earlier version created and a later one replaced; dropped when an existing database is opened.
RETIRED_INDEXES = ["ix_commands_claim"]


# How long start-up waits for another process that holds the write lock while it prepares the database (a
# search index rebuild after an upgrade takes about 9 s per million events), beyond SQLite's busy timeout.
SCHEMA_LOCK_PATIENCE_SECONDS = 600.0


def create_schema() -> None:
    """Create every table and the FTS index; safe to run again on an existing database.

    The web process and the daemon start together and take turns (one IMMEDIATE transaction each). When the
    other one holds the lock for longer than the busy timeout, this one keeps waiting, and says so.
    """
    deadline = time.monotonic() + SCHEMA_LOCK_PATIENCE_SECONDS
    while True:
        try:
            _create_schema_once()
            return
        except (OperationalError, sqlite3.OperationalError) as error:  # BEGIN runs on the driver itself
            if "database is locked" not in str(error) or time.monotonic() > deadline:
                raise
            log.info("another process is preparing the database; waiting for it")


def _create_schema_once() -> None:
    import app.models  # noqa: F401  (registers every table on the metadata)

    engine = db.engine
    token = _immediate.set(True)
    try:
        with engine.begin() as connection:
            db.metadata.create_all(connection)
            for name in RETIRED_INDEXES:
                connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
            if engine.dialect.name == "sqlite":
                stored = _fts_definition(connection)
                rebuild = stored != _fts_definition_wanted()
                if rebuild and stored is not None:
                    log.warning("rebuilding the events search index (its definition changed); on a large "
                                "database this takes a while, once")
                    connection.exec_driver_sql("DROP TABLE events_fts")
                for statement in FTS_SCHEMA:
                    connection.exec_driver_sql(statement)
                if rebuild:  # also indexes the events of a database that had no search index
                    connection.exec_driver_sql("INSERT INTO events_fts(events_fts) VALUES ('rebuild')")
    finally:
        _immediate.reset(token)


def _fts_definition(connection) -> str | None:
    """The stored definition of the FTS table, whitespace normalised; None when there is none."""
    stored = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'events_fts'").scalar()
    return None if stored is None else " ".join(stored.split())


def _fts_definition_wanted() -> str:
    return " ".join(FTS_SCHEMA[0].replace("IF NOT EXISTS ", "").split())


def fts_available() -> bool:
    """True when the events FTS index exists (SQLite) or is not needed (other databases)."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return True
    return inspect(engine).has_table("events_fts")


def sqlite_library_version() -> str:
    return sqlite3.sqlite_version


def database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
        return True
    except Exception:  # any driver failure means "unreachable" to the health check
        log.exception("database health check failed")
        db.session.rollback()
        return False
