"""Request and response models of the templates API."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StringConstraints

from app.api.event_schemas import Strings, Text
from app.api.schemas import (
    NO_NUL,
    NOT_BLANK,
    NOT_COERCED,
    WHOLE_NUMBER,
    Answer,
    Page,
    PageNumber,
    ResourceId,
    StrictModel,
    UtcTime,
    omittable,
)
from app.models import (
    AUTHOR_MAX,
    CALENDAR_ID_MAX,
    DURATION_MAX,
    DURATION_MIN,
    TAG_MAX,
    TEMPLATE_DESCRIPTION_MAX,
    TITLE_MAX,
)

HHMM_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX, pattern=NOT_BLANK)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TAG_MAX, pattern=NOT_BLANK)]
Description = Annotated[str, Field(max_length=TEMPLATE_DESCRIPTION_MAX, pattern=NO_NUL)]
Author = Annotated[str, Field(max_length=AUTHOR_MAX, pattern=NO_NUL)]
CalendarId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=CALENDAR_ID_MAX, pattern=NOT_BLANK)
]
ClockTime = Annotated[str, Field(pattern=HHMM_PATTERN, description="Time of day, HH:MM (00:00–23:59)")]
Duration = Annotated[
    int,
    Field(ge=DURATION_MIN, le=DURATION_MAX, description=f"Minutes, {DURATION_MIN}–{DURATION_MAX}"),
    WHOLE_NUMBER,
    NOT_COERCED,
]


class TemplateIn(StrictModel):
    """A whole template (POST and PUT); fields left out take their defaults."""

    title: Title
    description: Description = ""
    all_day: StrictBool = False
    default_time: ClockTime | None = None
    duration_minutes: Duration = 60
    calendar_id: CalendarId = "local"
    tags: list[Tag] = []
    author: Author = ""


class TemplatePatch(StrictModel):
    """Some fields of a template (PATCH): at least one. Null clears description, author and default_time; the
    other fields take no null."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    title: Title = omittable()
    description: Description | None = None
    all_day: StrictBool = omittable()
    default_time: ClockTime | None = None
    duration_minutes: Duration = omittable()
    calendar_id: CalendarId = omittable()
    tags: list[Tag] = omittable()
    author: Author | None = None


SEARCH_HELP = "Words that must all match the title, description or tags"


class TemplateQuery(StrictModel):
    q: Annotated[str | None, Field(max_length=500, pattern=NO_NUL, description=SEARCH_HELP)] = None
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=500)] = 100


class TemplatePath(StrictModel):
    template_id: ResourceId


class TemplateOut(Answer):
    id: int
    title: str
    description: Text
    all_day: Annotated[bool, BeforeValidator(bool)]
    default_time: str | None
    duration_minutes: int
    calendar_id: str
    tags: Strings
    usage_count: int
    created_at: UtcTime
    updated_at: UtcTime
    author: Text


class TemplatePage(Page):
    items: list[TemplateOut]


class TemplateUseOut(Answer):
    message: str
    template_id: int
    new_usage_count: int
