"""Request and response models of the command queue API (they also write its OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import NO_NUL, Answer, Page, PageNumber, PartialAnswer, ResourceId, StrictModel, UtcTime
from app.models.commands import CommandStatus


class SystemPath(StrictModel):
    system_id: Annotated[
        str, Field(min_length=1, max_length=200, pattern=NO_NUL, description="The polling system's name.")
    ]


class CommandPath(StrictModel):
    command_id: ResourceId


class ClaimQuery(StrictModel):
    limit: Annotated[int, Field(ge=1, le=100, description="How many commands to claim at most.")] = 10


class ListQuery(StrictModel):
    status: CommandStatus | None = None
    system_id: Annotated[str | None, Field(max_length=200, pattern=NO_NUL)] = None
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=500)] = 50


class CompleteBody(BaseModel):
    """Any JSON object: it is stored as the command's result."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})


class FailBody(StrictModel):
    error: Annotated[str, Field(min_length=1, max_length=4000, pattern=NO_NUL, description="What went wrong.")]
    retry: bool = Field(False, description="Put the command back in the queue while attempts are left.")
    retry_after: Annotated[float, Field(ge=0, le=7 * 86400, description="Seconds until due again.")] = 0


class ClaimedCommand(Answer):
    id: int
    command: str
    parameters: dict[str, Any]
    status: str
    attempts: int
    created_at: UtcTime
    processed_at: UtcTime | None
    lease_expires_at: UtcTime | None


class ClaimResponse(Answer):
    system_id: str
    commands: list[ClaimedCommand]
    count: int
    retrieved_at: UtcTime


class CompleteResponse(Answer):
    command_id: int
    status: Literal["completed"]
    completed_at: UtcTime | None


class FailResponse(PartialAnswer):
    command_id: int
    status: Literal["pending", "failed"]
    error: str | None
    failed_at: UtcTime | None
    attempts: int
    available_at: UtcTime | None = Field(None, description="When a retried command is due again (retried only).")

    omit_when_none = ("available_at",)


class CommandSource(Answer):
    calendar_id: str | None
    external_id: str | None
    event_title: str


class CommandOut(Answer):
    id: int
    system_id: str
    command: str
    parameters: dict[str, Any]
    status: CommandStatus
    attempts: int
    max_attempts: int
    created_at: UtcTime
    updated_at: UtcTime | None
    available_at: UtcTime | None
    processed_at: UtcTime | None
    lease_expires_at: UtcTime | None
    completed_at: UtcTime | None
    failed_at: UtcTime | None
    result: dict[str, Any] | None
    error: str | None
    source: CommandSource


class CommandPage(Page):
    items: list[CommandOut]
