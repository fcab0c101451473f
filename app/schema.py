"""The schema is kept by the Alembic migrations in migrations/: create a database, or bring one up to date.

Web processes, daemons and `init-db` may all start at once: whoever comes first migrates while holding the
migration lock (SQLite's write lock, or a PostgreSQL advisory lock), and the others wait, then find the
database already at the newest revision.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app, has_app_context
from sqlalchemy import Float, inspect, text
from sqlalchemy.engine import Connection, Engine
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


def is_current(engine: Engine | None = None) -> bool:
    """True when the database is at the newest revision (one cheap read)."""
    with (engine or db.engine).connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        return current_revision(connection) == head_revision()


UP_TO_DATE = "up to date"


def upgrade_database(engine: Engine | None = None) -> str:
    """Create or upgrade a database (the app's, or the engine given) to the newest revision.

    Returns what was done, for a log line. A SQLite engine needs app.db.configure_engine's pragmas and
    IMMEDIATE transactions, as the app's own engine has.
    """
    if is_current(engine):
        return UP_TO_DATE
    deadline = time.monotonic() + LOCK_PATIENCE_SECONDS
    while True:
        try:
            outcome = _upgrade_once(engine or db.engine)
            break
        except (OperationalError, sqlite3.OperationalError) as error:
            if "database is locked" not in str(error) or time.monotonic() > deadline:
                raise
            log.info("another process is migrating the database; waiting for it")
    if engine is None and has_app_context() and outcome != UP_TO_DATE:
        current_app.extensions.setdefault(CHANGES_KEY, []).append(outcome)
    return outcome


# Where the app keeps what its upgrades changed: `init-db` reports the upgrade its own start-up already did.
CHANGES_KEY = "chronos.schema_changes"


def changes_made() -> list[str]:
    """What this process's upgrades of the app's database did (empty when it was up to date)."""
    return list(current_app.extensions.get(CHANGES_KEY, []))


def _upgrade_once(engine: Engine) -> str:
    import app.models  # noqa: F401  (registers every table on the metadata)

    with engine.connect() as connection, migration_lock(connection):
        before = current_revision(connection)
        if before is None and inspect(connection).has_table("events"):
            # Made by release 0.1.0, which created its tables without migrations: it matches the baseline.
            log.warning("database has no migration history: recognised as release 0.1.0, upgrading in place")
            _alembic(connection, "stamp", RELEASE_0_1_BASELINE)
            before = RELEASE_0_1_BASELINE
        if before == head_revision():
            return UP_TO_DATE
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


# The search index of each backend is made by hand in the migrations and is not on the models: the FTS5 table
# and its shadow tables on SQLite; the generated tsvector column, its GIN index and the word bitmaps with their
# change marks (app.services.search_bits) on PostgreSQL. The expression index on event spans exists on SQLite
# only, which cannot reflect expression indexes anyway.
NOT_ON_MODELS = {
    "table": ("events_fts", "search_bits", "search_changes"),
    "column": ("search_vector",),
    "index": ("ix_events_search", "ix_events_span", "ix_search_changes_chunk"),
}


def include_in_comparison(obj, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """Alembic autogenerate filter: everything but the objects the models do not describe."""
    return not any((name or "").startswith(prefix) for prefix in NOT_ON_MODELS.get(type_, ()))


def compare_column_type(context, inspected_column, metadata_column, inspected_type, metadata_type) -> bool | None:
    """Alembic type comparison that takes Float and Double as one type (None: Alembic's own rule decides).

    Both are 8-byte floating point on SQLite and PostgreSQL; SQLAlchemy 2.1 maps `Mapped[float]` to Double
    where 2.0, which wrote the baseline, chose Float.
    """
    if isinstance(inspected_type, Float) and isinstance(metadata_type, Float):
        return False
    return None


AUTOGENERATE_OPTIONS = {"compare_type": compare_column_type, "include_object": include_in_comparison}


@contextmanager
def expected_comparison_warnings_silenced() -> Iterator[None]:
    """Silence the warnings that SQLite cannot reflect ix_events_span: it is left out on purpose (above)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index '?ix_events_span")
        yield
