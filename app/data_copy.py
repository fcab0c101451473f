"""Copy every row of one Chronos database into another, e.g. from a SQLite file to PostgreSQL.

The target is migrated to the newest revision first and must hold no rows. Tables are copied parent before
child (foreign-key order), in batches read from a cursor that streams, each value passing through the
columns' SQLAlchemy types, so that SQLite's text datetimes, 0/1 booleans and JSON text arrive as PostgreSQL's
own types (and back). Everything is written in one target transaction: a failed copy leaves the target empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import JSON, Column, Table, cast, create_engine, func, inspect, null, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.types import Text

from app.db import begin_immediate, configure_engine
from app.extensions import db
from app.schema import current_revision, head_revision, upgrade_database
from app.settings import DatabaseSection, masked_url

BATCH_ROWS = 1000


class DataCopyError(Exception):
    """The copy cannot start or go on; the message is one line fit for the user."""


def normalised_url(url: str) -> str:
    """A URL the app accepts (a plain postgresql:// means psycopg 3), or DataCopyError saying what is wrong."""
    try:
        return DatabaseSection(url=url).url
    except ValidationError:
        raise DataCopyError(
            f"unsupported database URL {masked_url(url)}: expected sqlite:///path/to/file.db "
            "or postgresql://user:password@host:port/database"
        ) from None


def open_engine(url: str, must_exist: bool) -> Engine:
    """An engine with the app's per-connection set-up; a SQLite source file that is missing is an error
    (SQLite would otherwise create an empty one and copy nothing)."""
    url = normalised_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database:
            raise DataCopyError("an in-memory SQLite database cannot be copied from or to")
        if must_exist and not Path(parsed.database).is_file():
            raise DataCopyError(f"source database file {parsed.database} does not exist")
        engine = create_engine(url, connect_args={"timeout": 10})
    else:
        engine = create_engine(url, connect_args={"connect_timeout": 10, "application_name": "chronos-copy-data"})
    configure_engine(engine)
    return engine


def copy_database(
    source_url: str, target_url: str, progress: Callable[[str, int], None] | None = None, batch_rows: int = BATCH_ROWS
) -> dict[str, int]:
    """Copy every table of the source into the (migrated, empty) target; returns the rows copied per table."""
    import app.models  # noqa: F401  (registers every table on the metadata)

    source = open_engine(source_url, must_exist=True)
    target = open_engine(target_url, must_exist=False)
    try:
        with source.connect() as reading:
            _check_source(reading, source_url)
        upgrade_database(target)
        counts: dict[str, int] = {}
        with _snapshot(source) as reading, _write_transaction(target) as writing:
            _check_target_empty(writing, target_url)
            for table in db.metadata.sorted_tables:
                counts[table.name] = _copy_table(table, reading, writing, batch_rows)
                if progress:
                    progress(table.name, counts[table.name])
            _after_copy(writing)
        return counts
    finally:
        source.dispose()
        target.dispose()


def _check_source(connection: Connection, url: str) -> None:
    revision = current_revision(connection) if inspect(connection).has_table("alembic_version") else None
    if revision != head_revision():
        raise DataCopyError(
            f"source {masked_url(url)} is at schema revision {revision or 'none'}, not "
            f"{head_revision()}: run `init-db` with it as CHRONOS_DATABASE_URL first"
        )


def _check_target_empty(connection: Connection, url: str) -> None:
    events = connection.execute(text("SELECT count(*) FROM events")).scalar_one()
    if events:
        raise DataCopyError(
            f"target {masked_url(url)} already holds {events} events; copy-data only fills a database without events"
        )
    filled = [
        table.name
        for table in db.metadata.sorted_tables
        if connection.execute(select(table).limit(1)).first() is not None
    ]
    if filled:
        raise DataCopyError(
            f"target {masked_url(url)} already holds rows in {', '.join(filled)}; copy-data only "
            "fills an empty database"
        )


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction, so that the copy is of one moment even while the source is in use."""
    options: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield connection


@contextmanager
def _write_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for the whole copy (SQLite: holding the write lock from the start)."""
    with begin_immediate(), engine.connect() as connection, connection.begin():
        yield connection


def _copy_table(table: Table, reading: Connection, writing: Connection, batch_rows: int) -> int:
    json_columns = [column for column in table.columns if isinstance(column.type, JSON)]
    # JSON columns are read as their text, so that SQL NULL and a JSON null stay apart.
    selected = [cast(column, Text).label(column.key) if column in json_columns else column for column in table.columns]
    order = list(table.primary_key.columns)
    result = reading.execution_options(stream_results=True, yield_per=batch_rows).execute(
        select(*selected).order_by(*order)
    )
    copied = 0
    for rows in result.partitions():
        batch = [_row_values(row._mapping, json_columns) for row in rows]
        writing.execute(table.insert(), batch)
        copied += len(batch)
    return copied


def _row_values(row: Any, json_columns: list[Column]) -> dict[str, Any]:
    values = dict(row)
    for column in json_columns:
        stored = values[column.key]
        values[column.key] = null() if stored is None else _json_value(column, stored)
    return values


def _json_value(column: Column, stored: str) -> Any:
    value = json.loads(stored)
    return JSON.NULL if value is None else value


def _after_copy(connection: Connection) -> None:
    """PostgreSQL: move each id sequence past the copied ids, so that new rows do not collide with them.

    The search index needs nothing: PostgreSQL's tsvector column is generated from each row, and SQLite's
    FTS5 triggers index each event as it is inserted.
    """
    if connection.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        for column in table.primary_key.columns:
            sequence = connection.execute(select(func.pg_get_serial_sequence(table.name, column.name))).scalar()
            if sequence is None:
                continue
            highest = connection.execute(select(func.max(column))).scalar()
            # is_called false: the next id is exactly the value given (1 for an empty table).
            connection.execute(select(func.setval(sequence, (highest or 0) + 1, False)))
