"""Validation of event input (API bodies, dashboard forms) into the values an event stores."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.errors import InvalidInputError
from app.models import (
    CALENDAR_ID_MAX,
    DESCRIPTION_MAX,
    EVENT_STATUSES,
    EVENT_TYPES,
    LOCATION_MAX,
    PRIORITIES,
    TAG_MAX,
    TIMEZONE_MAX,
    TITLE_MAX,
    Event,
)
from app.timeutil import OutOfRange, all_day_bounds, parse_datetime, parse_day, to_utc

WRITABLE = (
    "title",
    "description",
    "start_time",
    "end_time",
    "all_day",
    "timezone",
    "calendar_id",
    "location",
    "attendees",
    "tags",
    "priority",
    "event_type",
    "status",
)
# Fields of the Event JSON that the server owns: accepted (so GET -> edit -> PUT works) and ignored.
READ_ONLY = ("id", "all_day_date", "source", "external_id", "problems", "created_at", "updated_at")
DEFAULT_DURATION = timedelta(hours=1)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def normalize_event_fields(
    fields: dict[str, Any], app_zone: ZoneInfo, *, existing: Event | None = None, partial: bool = False
) -> dict[str, Any]:
    """Check every field and return EventData keyword values; raises InvalidInputError naming the field.

    Create (existing None) and replace (partial False) start from defaults; PATCH starts from the stored
    event, so a PATCH of only `end_time` is checked against the stored start.
    """
    unknown = sorted(set(fields) - set(WRITABLE) - set(READ_ONLY))
    if unknown:
        raise InvalidInputError(unknown[0], "unknown field")
    given = {name: value for name, value in fields.items() if name in WRITABLE}
    if not partial:
        for name in ("title", "start_time") if existing is None else ("title", "start_time", "end_time"):
            if given.get(name) is None:
                raise InvalidInputError(name, "this field is required")
    raw = _starting_values(existing, app_zone, partial)
    raw.update(given)
    zone_name = _text(raw, "timezone", 1, TIMEZONE_MAX, default=app_zone.key)
    try:
        event_zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError("timezone", f"unknown time zone {zone_name!r}") from None
    values: dict[str, Any] = {
        "title": _text(raw, "title", 1, TITLE_MAX),
        "description": _text(raw, "description", 0, DESCRIPTION_MAX, default=""),
        "location": _text(raw, "location", 0, LOCATION_MAX, default=""),
        "timezone": zone_name,
        "calendar_id": _text(raw, "calendar_id", 1, CALENDAR_ID_MAX, default="local"),
        "attendees": _attendees(raw.get("attendees")),
        "tags": [] if raw.get("tags") is None else clean_tags(raw["tags"]),
        "priority": _choice(raw, "priority", PRIORITIES, "MEDIUM", str.upper),
        "event_type": _choice(raw, "event_type", EVENT_TYPES, "meeting", str.lower),
        "status": _choice(raw, "status", EVENT_STATUSES, "scheduled", str.lower),
    }
    all_day = raw.get("all_day", False)
    if not isinstance(all_day, bool):
        raise InvalidInputError("all_day", "must be true or false")
    values["all_day"] = all_day
    values.update(_times(raw, all_day, app_zone, event_zone, changed=set(given)))
    if existing is not None and existing.external_id and values["calendar_id"] != existing.calendar_id:
        raise InvalidInputError("calendar_id", "a synced event cannot move to another calendar")
    return values


def _starting_values(existing: Event | None, app_zone: ZoneInfo, partial: bool) -> dict[str, Any]:
    """The stored event written as input, for PATCH; PUT keeps only its calendar and zone."""
    if existing is None:
        return {}
    if not partial:
        return {"calendar_id": existing.calendar_id, "timezone": existing.timezone}
    raw: dict[str, Any] = {name: getattr(existing, name) for name in WRITABLE}
    if existing.all_day and existing.all_day_date is not None:
        zone = _zone_or(existing.timezone, app_zone)
        raw["start_time"] = existing.all_day_date.isoformat()
        raw["end_time"] = existing.end_time.astimezone(zone).date().isoformat()
    else:
        raw["start_time"] = existing.start_time
        raw["end_time"] = existing.end_time
    return raw


def _zone_or(name: str, fallback: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def _times(
    raw: dict[str, Any], all_day: bool, app_zone: ZoneInfo, event_zone: ZoneInfo, changed: set[str]
) -> dict[str, Any]:
    end_raw = raw.get("end_time")
    if all_day:
        start_day = _day(raw.get("start_time"), "start_time", event_zone)
        end_day = (
            _day(end_raw, "end_time", event_zone, is_end=True) if end_raw is not None else start_day + timedelta(days=1)
        )
        if end_day <= start_day:
            raise InvalidInputError("end_time", "must be a later date than start_time (the end date is exclusive)")
        start, end = all_day_bounds(start_day, end_day, event_zone)
        return {"start_time": start, "end_time": end, "all_day_date": start_day}
    start = _instant(raw.get("start_time"), "start_time", app_zone)
    end = _instant(end_raw, "end_time", app_zone) if end_raw is not None else start + DEFAULT_DURATION
    if end < start:
        field = "start_time" if "start_time" in changed and "end_time" not in changed else "end_time"
        raise InvalidInputError(field, "end_time must not be before start_time")
    return {"start_time": start, "end_time": end, "all_day_date": None}


def _instant(value: Any, field: str, zone: ZoneInfo) -> datetime:
    """A moment from RFC 3339 text (API and form input) or a datetime (other services' input)."""
    if isinstance(value, datetime):
        return to_utc(value, zone)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, "must be an RFC 3339 date-time such as 2026-03-01T09:00:00Z")
    try:
        return parse_datetime(value, zone)
    except OutOfRange as exc:
        raise InvalidInputError(field, str(exc)) from None
    except ValueError:
        raise InvalidInputError(field, f"{value!r} is not an RFC 3339 date-time") from None


def _day(value: Any, field: str, event_zone: ZoneInfo, is_end: bool = False) -> date:
    """A date for all-day events; a full date-time (as GET returns it) counts as its local day.

    An end given as a date-time that is not local midnight still covers its day, so the exclusive end
    date is the day after.
    """
    if isinstance(value, datetime):
        return _local_day(to_utc(value, event_zone), event_zone, is_end)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, "must be a date YYYY-MM-DD for an all-day event")
    text = value.strip()
    try:
        if DATE_ONLY.fullmatch(text):
            return parse_day(text)
        return _local_day(parse_datetime(text, event_zone), event_zone, is_end)
    except OutOfRange as exc:
        raise InvalidInputError(field, str(exc)) from None
    except ValueError:
        raise InvalidInputError(field, f"{value!r} is not a date YYYY-MM-DD") from None


def _local_day(moment: datetime, event_zone: ZoneInfo, is_end: bool) -> date:
    local = moment.astimezone(event_zone)
    covers_day = is_end and local.time() != datetime.min.time()
    return local.date() + timedelta(days=1) if covers_day else local.date()


def _text(raw: dict[str, Any], field: str, low: int, high: int, default: str | None = None) -> str:
    value = raw.get(field)
    if value is None:
        if default is None:
            raise InvalidInputError(field, "this field is required")
        return default
    if not isinstance(value, str):
        raise InvalidInputError(field, "must be a string")
    value = value.strip() if field != "description" else value
    if not low <= len(value) <= high:
        raise InvalidInputError(field, f"must be {low}-{high} characters long")
    return value


def _choice(raw: dict[str, Any], field: str, allowed: tuple[str, ...], default: str, fold) -> str:
    value = raw.get(field)
    if value is None:
        return default
    if not isinstance(value, str) or fold(value) not in allowed:
        raise InvalidInputError(field, f"must be one of {', '.join(allowed)}")
    return fold(value)


def _attendees(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInputError("attendees", "must be a list of e-mail addresses")
    result = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not EMAIL.fullmatch(item.strip()):
            raise InvalidInputError(f"attendees.{index}", "must be an e-mail address")
        result.append(item.strip())
    return list(dict.fromkeys(result))


def clean_tags(value: Any) -> list[str]:
    """The one tag rule, for events and templates: a list of 1-64 character texts, trimmed, each once."""
    if not isinstance(value, list):
        raise InvalidInputError("tags", "must be a list of strings")
    result = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not 1 <= len(item.strip()) <= TAG_MAX:
            raise InvalidInputError(f"tags.{index}", f"must be a string of 1-{TAG_MAX} characters")
        result.append(item.strip())
    return list(dict.fromkeys(result))
