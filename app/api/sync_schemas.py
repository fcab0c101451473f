"""Request and response models of the sync API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.api.schemas import ResourceId, StrictModel


class SyncRequestBody(StrictModel):
    days_ahead: int = Field(7, ge=1, le=365, description="How far ahead recurrences are expanded (ICS, demo).")
    force_refresh: bool = Field(False, description="Ignore the stored sync token and list everything again.")
    calendar_id: str | None = Field(None, min_length=1, max_length=255, description="Only this calendar.")


class WaitQuery(StrictModel):
    wait: int | None = Field(None, ge=1, le=60, description="Seconds to wait for the daemon to finish the job.")


class JobPath(StrictModel):
    job_id: ResourceId


class SyncJobOut(BaseModel):
    job_id: int
    status: str
    requested_at: str | None = None
    success: bool | None = None
    events_processed: int | None = None
    events_created: int | None = None
    events_updated: int | None = None
    events_deleted: int | None = None
    events_consumed: int | None = None
    pending_upstream: int | None = None
    sync_time: str | None = None
    error: str | None = None
    problems: list[dict[str, Any]] | None = None
    warning: str | None = None


class SyncHealthOut(BaseModel):
    status: str
    scheduler: dict[str, Any]
    timestamp: str
    calendars_failing: int
    calendars: list[dict[str, Any]] | None = Field(None, description="Which calendars fail and why (admin key only).")
