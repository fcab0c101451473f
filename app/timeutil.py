"""The one place that converts between user time, UTC and RFC 3339 text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The dates Chronos accepts from people and clients. Python's own limits are the years 1 and 9999; staying
# centuries inside them means a listing window of ten years, a time zone offset or an all-day span around any
# accepted date can always be computed.
EARLIEST = date(1000, 1, 1)
LATEST = date(8999, 12, 31)


class OutOfRange(ValueError):
    """A well-formed date or time outside EARLIEST..LATEST."""

    def __init__(self, text: str) -> None:
        super().__init__(f"{text!r} is outside the supported dates {EARLIEST} to {LATEST}")


def in_range(day: date, text: str) -> date:
    """`day` when it lies within EARLIEST..LATEST, else OutOfRange naming the text it came from."""
    if not EARLIEST <= day <= LATEST:
        raise OutOfRange(text)
    return day


def parse_day(text: str) -> date:
    """A YYYY-MM-DD date within the supported range (ValueError when malformed, OutOfRange when outside)."""
    return in_range(date.fromisoformat(text.strip()), text)


def to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """An aware datetime in UTC; naive input is read in ``zone`` (the app time zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def parse_datetime(text: str, zone: ZoneInfo) -> datetime:
    """Parse ISO 8601 / RFC 3339 text (``Z`` allowed) into aware UTC, within the supported dates (else
    OutOfRange; ValueError when malformed)."""
    value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    in_range(value.date(), text)
    return to_utc(value, zone)


def format_utc(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a ``Z`` suffix, the only time format the API returns."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Midnight of ``day`` in ``zone``, as aware UTC."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def all_day_bounds(day: date, end_day: date | None, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start and exclusive end of an all-day span, anchored at midnight in ``zone``."""
    end_day = end_day or day + timedelta(days=1)
    return day_start(day, zone), day_start(end_day, zone)


def today(zone: ZoneInfo) -> date:
    return datetime.now(zone).date()


def utcnow() -> datetime:
    return datetime.now(UTC)
