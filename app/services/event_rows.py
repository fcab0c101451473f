"""Pages of Event objects loaded with lean result conversion: the values the model's column types give.

Loading 100 events spends most of its time converting columns: each UTC time goes through the SQLite
DateTime regex and a tzinfo replace, each JSON list through json.loads. Here the common stored forms take a
short path (ISO text parsed with the UTC offset appended, the empty list '[]'); anything else falls back to
the model's own converter, so the objects are the same Event instances with the same attribute values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Executable, Select, String, select, type_coerce
from sqlalchemy.types import TypeDecorator

from app.models import Event
from app.models.types import UTCDateTime


class _LeanReader(TypeDecorator):
    """Reads a column faster than its own type would, falling back to that type for anything unusual."""

    impl = String
    cache_ok = True

    def __init__(self, original: Any) -> None:
        super().__init__()
        self.original = original

    def fallback(self, dialect: Any, coltype: Any) -> Callable[[Any], Any]:
        return self.original._cached_result_processor(dialect, coltype) or (lambda value: value)


class _LeanUTC(_LeanReader):
    """Reads a UTCDateTime column: SQLite's 'YYYY-MM-DD HH:MM:SS.ffffff' or PostgreSQL's naive datetime straight
    to an aware UTC datetime."""

    cache_ok = True  # SQLAlchemy reads this from each class itself, not from the base

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], Any]:
        fallback = self.fallback(dialect, coltype)
        parse = datetime.fromisoformat

        def process(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is datetime:  # PostgreSQL's driver already made one (naive UTC)
                return value.replace(tzinfo=UTC)
            try:
                return parse(value + "+00:00")
            except (TypeError, ValueError):
                return fallback(value)

        return process


class _LeanJSON(_LeanReader):
    """Reads a JSON column: '[]' to a new empty list without the JSON decoder."""

    cache_ok = True  # SQLAlchemy reads this from each class itself, not from the base

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], Any]:
        fallback = self.fallback(dialect, coltype)

        def process(value: Any) -> Any:
            return [] if value == "[]" else fallback(value)

        return process


@cache
def _lean_columns() -> tuple[Any, ...]:
    """Every events column, the UTC and JSON ones read through the lean converters."""
    columns: list[Any] = []
    for column in Event.__table__.c:
        if isinstance(column.type, UTCDateTime):
            columns.append(type_coerce(column, _LeanUTC(column.type)).label(column.key))
        elif isinstance(column.type, JSON):
            columns.append(type_coerce(column, _LeanJSON(column.type)).label(column.key))
        else:
            columns.append(column)
    return tuple(columns)


def lean_column(key: str) -> Any:
    """One events column by name, read through the lean converter of its type (for column-only queries)."""
    return next(column for column in _lean_columns() if column.key == key)


def lean(query: Select) -> Executable:
    """The same query over Event (its where, joins, order and limit), loading through the lean converters."""
    return select(Event).from_statement(query.with_only_columns(*_lean_columns()))


@cache
def lean_fields(names: tuple[str, ...]) -> tuple[Any, ...]:
    """Only the named events columns, read through the lean converters (for rows, not Event objects)."""
    return tuple(column for column in _lean_columns() if column.key in names)
