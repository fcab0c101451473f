"""Request and response models of the sync API, and the answer of /health (which shares its scheduler part)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.api.schemas import NO_NUL, PartialAnswer, ResourceId, StrictModel, UtcTime


class SyncRequestBody(StrictModel):
    days_ahead: int = Field(7, ge=1, le=365, description="How far ahead recurrences are expanded (ICS, demo).")
    force_refresh: bool = Field(False, description="Ignore the stored sync token and list everything again.")
    calendar_id: str | None = Field(
        None, min_length=1, max_length=255, pattern=NO_NUL, description="Only this calendar."
    )


class WaitQuery(StrictModel):
    wait: int | None = Field(None, ge=1, le=60, description="Seconds to wait for the daemon to finish the job.")


class JobPath(StrictModel):
    job_id: ResourceId


RUN_FIELDS = (
    "success",
    "events_processed",
    "events_created",
    "events_updated",
    "events_deleted",
    "events_consumed",
    "pending_upstream",
    "sync_time",
    "error",
    "problems",
)


class SyncJobOut(PartialAnswer):
    """A sync job; the fields of its run only once it is finished (success set), the warning only when given."""

    job_id: int
    status: str
    requested_at: UtcTime | None = None
    success: bool | None = None
    events_processed: int | None = None
    events_created: int | None = None
    events_updated: int | None = None
    events_deleted: int | None = None
    events_consumed: int | None = None
    pending_upstream: int | None = None
    sync_time: UtcTime | None = None
    error: str | None = None
    problems: list[dict[str, Any]] | None = None
    warning: str | None = None

    omit_when_none = ("warning",)

    def absent_parts(self) -> tuple[str, ...]:
        """Before the job is finished none of its run's fields exist yet."""
        return (*super().absent_parts(), *(RUN_FIELDS if self.success is None else ()))


class SchedulerOut(PartialAnswer):
    """The daemons' state; `daemons` counts those beating now (left out when the database is unreachable)."""

    status: str
    is_running: bool
    last_heartbeat: UtcTime | None
    last_sync: UtcTime | None
    daemons: int | None = None

    omit_when_none = ("daemons",)


class SyncHealthOut(PartialAnswer):
    """The sync health: status words and counts for anyone; which calendars fail and why with the admin key."""

    status: str
    scheduler: SchedulerOut
    timestamp: UtcTime
    calendars_failing: int
    calendars: list[dict[str, Any]] | None = Field(None, description="Which calendars fail and why (admin key only).")

    omit_when_none = ("calendars",)


class HealthOut(PartialAnswer):
    """GET /health: the database, the search index and the daemons; `details` only when there is a problem and
    the request carries the admin key or a dashboard session."""

    status: str
    version: str
    timestamp: UtcTime
    database: dict[str, str]
    fts5: dict[str, str]
    scheduler: SchedulerOut
    details: dict[str, Any] | None = None

    omit_when_none = ("details",)
