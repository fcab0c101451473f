"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from app.timeutil import utcnow

__all__ = ["UTCDateTime", "from_stored_text", "stored_text", "utcnow"]


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, hands back aware UTC; refuses naive input so no local time slips in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def stored_text(moment: datetime) -> str:
    """A moment in the text form a UTCDateTime column holds on SQLite ('YYYY-MM-DD HH:MM:SS.ffffff', UTC), for
    statements that bypass SQLAlchemy."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def from_stored_text(text: str) -> datetime:
    """The aware UTC moment a UTCDateTime column's stored text stands for."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
