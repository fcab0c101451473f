"""Sync requests for the daemon, and the jobs that record how they went."""

from __future__ import annotations

from flask import url_for

from app.api.answer import answer
from app.api.base import api_blueprint
from app.api.schemas import ErrorResponse
from app.api.sync_schemas import JobPath, SyncJobOut, SyncRequestBody, WaitQuery
from app.errors import UnavailableError
from app.services import sync_jobs
from app.services.sync import DaemonNotRunningError, submit_sync

bp = api_blueprint("sync", "Sync", "Calendar sync requests carried out by the daemon.")


@bp.post(
    "/sync/calendar",
    summary="Request a calendar sync",
    responses={200: SyncJobOut, 202: SyncJobOut, 503: ErrorResponse},
)
def request_calendar_sync(query: WaitQuery, body: SyncRequestBody):
    """202 + job (Location); with ?wait=N the finished job (200), or 202 while it still runs."""
    try:
        finished, job = submit_sync(body.days_ahead, body.force_refresh, body.calendar_id, query.wait)
    except DaemonNotRunningError as exc:
        raise UnavailableError(f"{exc.message.removesuffix('.')} or request without ?wait.") from exc
    location = url_for("api_sync.get_sync_job", job_id=job.job_id)
    return answer(SyncJobOut, job, 200 if finished else 202, {"Location": location})


@bp.get("/sync/jobs/<int:job_id>", summary="One sync job", responses={200: SyncJobOut, 404: ErrorResponse})
def get_sync_job(path: JobPath):
    return answer(SyncJobOut, sync_jobs.job_report(sync_jobs.get_job(path.job_id)))
