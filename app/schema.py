"""The schema is kept by the Alembic migrations in migrations/: create a database, or bring one up to date.

Web processes, daemons and `init-db` may all start at once: whoever comes first migrates while holding the
migration lock (SQLite's write lock, or a PostgreSQL advisory lock), and the others wait, then find the
database already at the newest revision.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from app.db import begin_immediate
from app.extensions import db

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# The revision a database made by release 0.1.0 (before migrations) already matches.
RELEASE_0_1_BASELINE = "0001"
# Any constant both sides agree on: the advisory lock that serialises migrations on PostgreSQL.
POSTGRESQL_MIGRATION_LOCK = 7_243_510_001
# How long start-up waits for another process that holds SQLite's write lock while it migrates (a search
# index rebuild takes about 9 s per million events), beyond SQLite's own busy timeout.
LOCK_PATIENCE_SECONDS = 600.0


@cache
def alembic_config() -> Config:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def revision_module(revision: str) -> ModuleType:
    """The module of one migration (say, to read the search index definition the baseline created)."""
    script = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    assert script is not None
    return script.module


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def is_current() -> bool:
    """True when the database is at the newest revision (one cheap read)."""
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        return current_revision(connection) == head_revision()


def upgrade_database() -> str:
    """Create or upgrade the database to the newest revision; returns what was done, for a log line."""
    if is_current():
        return "up to date"
    deadline = time.monotonic() + LOCK_PATIENCE_SECONDS
    while True:
        try:
            return _upgrade_once()
        except (OperationalError, sqlite3.OperationalError) as error:
            if "database is locked" not in str(error) or time.monotonic() > deadline:
                raise
            log.info("another process is migrating the database; waiting for it")


def _upgrade_once() -> str:
    import app.models  # noqa: F401  (registers every table on the metadata)

    with db.engine.connect() as connection, migration_lock(connection):
        before = current_revision(connection)
        if before is None and inspect(connection).has_table("events"):
            # Made by release 0.1.0, which created its tables without migrations: it matches the baseline.
            log.warning("database has no migration history: recognised as release 0.1.0, upgrading in place")
            _alembic(connection, "stamp", RELEASE_0_1_BASELINE)
            before = RELEASE_0_1_BASELINE
        if before == head_revision():
            return "up to date"
        _alembic(connection, "upgrade", "head")
        return f"upgraded from {before or 'an empty database'} to {head_revision()}"


def _alembic(connection: Connection, verb: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    try:
        getattr(command, verb)(config, revision)
    finally:
        config.attributes.pop("connection", None)


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """One transaction holding the lock that lets one process at a time migrate; commits at the end."""
    if connection.dialect.name == "sqlite":
        with begin_immediate(), connection.begin():
            yield
        return
    with connection.begin():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRESQL_MIGRATION_LOCK})
        yield
