"""Request and response models of the events, notes and links API (they also write its OpenAPI document)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import BeforeValidator, ConfigDict, Field, field_validator, model_validator

from app.api.schemas import (
    DAY_SCHEMA,
    NO_NUL,
    NOT_BLANK,
    SUPPORTED_YEAR,
    Answer,
    Page,
    PageNumber,
    ResourceId,
    StrictModel,
    UtcTime,
    omittable,
)
from app.models import CALENDAR_ID_MAX, DESCRIPTION_MAX, LOCATION_MAX, TAG_MAX, TITLE_MAX
from app.models.events import EventStatus, EventType, Priority
from app.timeutil import OutOfRange, parse_day

# Stored text and lists that may be empty (NULL) are answered as "" and [].
Text = Annotated[str, BeforeValidator(lambda value: value or "")]
Strings = Annotated[list[str], BeforeValidator(lambda value: list(value or []))]
TIME_HELP = (
    "RFC 3339 date-time; without an offset it is read in app.timezone. For an all-day event a date "
    "YYYY-MM-DD (end exclusive, default the next day)."
)
# What the time fields accept, as the document states it: an RFC 3339 date-time or a date, years 1000-8999.
TIME_SCHEMA = {"anyOf": [{"format": "date-time"}, {"format": "date"}], "pattern": SUPPORTED_YEAR}
# No blank around or inside an address, one @: what the events service takes as an e-mail address.
EMAIL_PATTERN = r"^[^@\s\x1c-\x1f\x85\x00]+@[^@\s\x1c-\x1f\x85\x00]+$"


def _zone_names(schema: dict[str, Any]) -> None:
    """The IANA zones the server knows, listed when the document is built (not at import)."""
    schema["enum"] = sorted(available_timezones())


Title = Annotated[str, Field(min_length=1, max_length=TITLE_MAX, pattern=NOT_BLANK)]
TimeText = Annotated[str, Field(description=TIME_HELP, json_schema_extra=TIME_SCHEMA)]
EventTag = Annotated[str, Field(min_length=1, max_length=TAG_MAX, pattern=NOT_BLANK)]


class EventPath(StrictModel):
    event_id: ResourceId


class EventListQuery(StrictModel):
    calendar: Annotated[
        list[Annotated[str, Field(pattern=NO_NUL)]] | None, Field(description="Calendar id; repeat for several.")
    ] = None
    anchor: Annotated[str, Field(description="YYYY-MM-DD; default today in app.timezone.")] = omittable(DAY_SCHEMA)
    range: Annotated[
        int,
        Field(
            description="Days, 1-3660, or -1 for unbounded on the side(s) direction names.",
            json_schema_extra={"anyOf": [{"const": -1}, {"minimum": 1, "maximum": 3660}]},
        ),
    ] = 30
    direction: Literal["future", "past", "all"] = "future"
    q: Annotated[str | None, Field(max_length=500, description="Full-text search; last word is a prefix.")] = None
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=500)] = 100

    @field_validator("anchor")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("must be a date YYYY-MM-DD")
        try:
            parse_day(value)
        except OutOfRange as exc:
            raise ValueError(str(exc)) from None
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date") from None
        return value

    @field_validator("range")
    @classmethod
    def _range(cls, value: int) -> int:
        if value != -1 and not 1 <= value <= 3660:
            raise ValueError("must be 1-3660 days, or -1 for unbounded")
        return value

    def anchor_date(self) -> date | None:
        return date.fromisoformat(self.anchor) if self.anchor else None


class EventBody(StrictModel):
    """Event fields. POST needs title and start_time; PUT needs title, start_time and end_time; PATCH any.

    Null in an optional field means its default (end_time: an hour after the start); title, start_time and
    all_day take no null. 422 when end_time is before start_time (all-day: when it is not a later date)."""

    title: Title = omittable()
    description: Annotated[str | None, Field(max_length=DESCRIPTION_MAX, pattern=NO_NUL)] = None
    start_time: Annotated[str, Field(description=TIME_HELP)] = omittable(TIME_SCHEMA)
    end_time: TimeText | None = None
    all_day: bool = omittable()
    timezone: Annotated[
        str | None, Field(description="IANA zone of the event; default app.timezone.", json_schema_extra=_zone_names)
    ] = None
    calendar_id: Annotated[
        str | None, Field(min_length=1, max_length=CALENDAR_ID_MAX, pattern=NOT_BLANK, description="Default 'local'.")
    ] = None
    location: Annotated[str | None, Field(max_length=LOCATION_MAX, pattern=NO_NUL)] = None
    attendees: Annotated[
        list[Annotated[str, Field(pattern=EMAIL_PATTERN)]] | None, Field(description="E-mail addresses.")
    ] = None
    tags: list[EventTag] | None = None
    priority: Priority | None = None
    event_type: EventType | None = None
    status: EventStatus | None = None
    # Server-owned fields of the Event JSON, accepted so a fetched event can be sent back; ignored.
    id: Annotated[int | None, Field(description="Read-only; ignored.")] = None
    all_day_date: Annotated[str | None, Field(description="Read-only; ignored.")] = None
    source: Annotated[str | None, Field(description="Read-only; ignored.")] = None
    external_id: Annotated[str | None, Field(description="Read-only; ignored.")] = None
    problems: Annotated[list[dict[str, Any]] | None, Field(description="Read-only; ignored.")] = None
    created_at: Annotated[str | None, Field(description="Read-only; ignored.")] = None
    updated_at: Annotated[str | None, Field(description="Read-only; ignored.")] = None


class EventCreate(EventBody):
    """POST: title and start_time are required."""

    title: Title
    start_time: TimeText


class EventReplace(EventCreate):
    """PUT: title, start_time and end_time are required."""

    end_time: TimeText


class EventPatch(EventBody):
    """PATCH: at least one field."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})


class Problem(Answer):
    plugin: str
    message: str

    @model_validator(mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        """A plugin's stored problem, each part as text ("" when missing)."""
        if isinstance(value, dict):
            return {"plugin": str(value.get("plugin", "")), "message": str(value.get("message", ""))}
        return value


class EventOut(Answer):
    id: int
    title: str
    description: Text
    start_time: UtcTime
    end_time: UtcTime
    all_day: Annotated[bool, BeforeValidator(bool)]
    all_day_date: date | None
    timezone: str
    calendar_id: str
    source: str
    external_id: str | None
    location: Text
    attendees: Strings
    tags: Strings
    priority: Priority
    event_type: EventType
    status: EventStatus
    problems: Annotated[list[Problem], BeforeValidator(lambda value: list(value or []))]
    created_at: UtcTime
    updated_at: UtcTime


class EventPage(Page):
    items: list[EventOut]


class ConsumedResult(Answer):
    kind: Literal["command", "note", "url"]
    id: int


class ConsumedOut(Answer):
    """A plugin took the event over; nothing was stored as an event."""

    consumed: Literal[True]
    plugin: str
    result: ConsumedResult


class ListQuery(StrictModel):
    q: Annotated[str | None, Field(max_length=500, pattern=NO_NUL, description="Every word must appear.")] = None
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=500)] = 50


Details = Annotated[dict[str, Any], BeforeValidator(lambda value: value or {})]


class NoteOut(Answer):
    id: int
    text: str
    event_time: UtcTime | None
    event_end_time: UtcTime | None
    calendar_id: str
    external_id: str | None
    event_details: Details
    created_at: UtcTime


class NotePage(Page):
    items: list[NoteOut]


class UrlOut(Answer):
    id: int
    url: str
    title: str
    event_time: UtcTime | None
    calendar_id: str
    external_id: str | None
    event_details: Details
    created_at: UtcTime


class UrlPage(Page):
    items: list[UrlOut]
