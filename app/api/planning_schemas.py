"""Request and response models of the analytics and optimizer APIs."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictBool

from app.api.schemas import NOT_COERCED, SUPPORTED_YEAR, WHOLE_NUMBER, Answer, StrictModel, UtcTime
from app.services.planning import MAX_WINDOW_DAYS

WindowDays = Annotated[int, Field(ge=1, le=MAX_WINDOW_DAYS, description="Days from the start of today")]


class OptimizeQuery(StrictModel):
    optimization_window_days: WindowDays | None = None
    auto_apply: bool | None = None


class OptimizeBody(StrictModel):
    """Optional JSON body; its values win over the query string."""

    model_config = {  # type: ignore[typeddict-unknown-key]  # openapi_extra is flask-openapi3's key
        "extra": "forbid",
        "openapi_extra": {
            "required": False,
            "description": "Optional: the same parameters as the query string, which it overrides.",
        },
    }
    optimization_window_days: Annotated[int, Field(ge=1, le=MAX_WINDOW_DAYS), WHOLE_NUMBER, NOT_COERCED] | None = None
    auto_apply: StrictBool | None = None


class SuggestionOut(Answer):
    key: str = Field(description="Stable id of the suggestion (rule and events), for apply and dismiss")
    type: str = Field(description="move | break | focus_block | conflict | overload")
    event_id: int | None
    event_ids: list[int]
    proposed_start: UtcTime | None
    proposed_end: UtcTime | None
    reason: str = Field(description="What is wrong and what to do, naming the events")
    confidence: float | None = Field(
        description="0-1: how strongly a rule that weighs something recommends this (breaks, focus blocks, moves "
        "off a full day); null for facts such as a conflict or an overload, where a figure would mean nothing"
    )


class AppliedOut(Answer):
    key: str
    event_id: int
    title: str
    previous_start: UtcTime
    previous_end: UtcTime
    new_start: UtcTime
    new_end: UtcTime
    upstream_patch_queued: bool
    reason: str


class OptimizeOut(Answer):
    suggestions: list[SuggestionOut]
    applied: list[AppliedOut]


YEAR: dict[str, Any] = {"pattern": SUPPORTED_YEAR}


class ProductivityQuery(StrictModel):
    days_back: Annotated[int, Field(ge=1, le=3660, description="Days ending today (default 30)")] | None = None
    start: date | None = Field(default=None, description="First day (YYYY-MM-DD), with end", json_schema_extra=YEAR)
    end: date | None = Field(
        default=None, description="Last day, inclusive (YYYY-MM-DD), with start", json_schema_extra=YEAR
    )


class DayHours(BaseModel):
    date: str
    weekday: str
    hours: float = Field(description="Work hours: meeting + focus + other (private calendars left out)")
    meeting_hours: float
    focus_hours: float
    other_hours: float
    personal_hours: float = Field(description="Hours on private calendars (`work: false`), not counted as work")
    events: int = Field(description="Work events on the day")


class WeekHours(BaseModel):
    week_start: str
    meeting_hours: float
    focus_hours: float
    other_hours: float
    personal_hours: float


class Heatmap(BaseModel):
    weekdays: list[str]
    hours: list[int]
    matrix: list[list[float]] = Field(description="7 rows (Monday first) of 24 hourly totals, in hours")
    max: float


class ReportWindow(Answer):
    start: str = Field(description="First local day, YYYY-MM-DD")
    end: str = Field(description="Last local day (inclusive), YYYY-MM-DD")
    days: int
    timezone: str
    start_time: UtcTime
    end_time: UtcTime


class FreeBlock(Answer):
    date: str
    start: UtcTime | None
    end: UtcTime | None
    minutes: int


class Chain(Answer):
    date: str
    start: UtcTime
    end: UtcTime
    minutes: int
    events: int
    event_ids: list[int]


class BackToBack(Answer):
    count: int
    longest_minutes: int
    chains: list[Chain]


class ProductivityOut(Answer):
    """The productivity report; every number comes from stored events (see the README, "Analytics")."""

    window: ReportWindow
    generated_at: UtcTime
    totals: dict[str, Any]
    hours_per_day: list[DayHours]
    hours_per_calendar: list[dict[str, Any]]
    weekly: list[WeekHours]
    heatmap: Heatmap
    busiest_weekday: dict[str, Any] | None
    busiest_hour: dict[str, Any] | None
    work_outside_hours: dict[str, float]
    tasks: dict[str, Any]
    longest_free_block: list[FreeBlock]
    back_to_back: BackToBack
    templates: list[dict[str, Any]]
    commands: list[dict[str, Any]]
