"""Sync requests: recorded by the web process, claimed and carried out by the daemon."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update

from app.db import write_transaction
from app.errors import NotFoundError
from app.extensions import db
from app.models import SyncJob
from app.timeutil import format_utc, utcnow

log = logging.getLogger(__name__)

RESULT_FIELDS = (
    "events_processed", "events_created", "events_updated", "events_deleted", "events_consumed",
    "pending_upstream",
)


def request_sync(days_ahead: int = 7, force_refresh: bool = False, calendar_id: str | None = None,
                 requested_by: str = "api") -> SyncJob:
    with write_transaction() as session:
        job = SyncJob(status="queued", days_ahead=days_ahead, force_refresh=force_refresh,
                      calendar_id=calendar_id, requested_by=requested_by, requested_at=utcnow())
        session.add(job)
    return job


def get_job(job_id: int) -> SyncJob:
    job = db.session.get(SyncJob, job_id)
    if job is None:
        raise NotFoundError(f"No sync job with id {job_id}.")
    return job


def claim_next_job() -> SyncJob | None:
    """Atomically move the oldest queued job to running; None when there is nothing to do."""
    with write_transaction() as session:
        oldest = select(SyncJob.id).where(SyncJob.status == "queued").order_by(SyncJob.id).limit(1)
        job_id = session.execute(
            update(SyncJob).where(SyncJob.id == oldest.scalar_subquery(), SyncJob.status == "queued")
            .values(status="running", started_at=utcnow()).returning(SyncJob.id)
        ).scalar_one_or_none()
    return db.session.get(SyncJob, job_id) if job_id is not None else None


def finish_job(job: SyncJob, result: dict[str, Any], error: str | None) -> None:
    with write_transaction() as session:
        job = session.merge(job)
        job.status = "failed" if error else "succeeded"
        job.result = result
        job.error = error
        job.finished_at = utcnow()


def run_next_queued_job() -> bool:
    """Daemon job: carry out one queued sync request. Returns whether there was one."""
    job = claim_next_job()
    if job is None:
        return False
    try:
        result = _perform(job)
        finish_job(job, result, result.get("error"))
    except Exception as exc:
        db.session.rollback()
        log.exception("sync job %s failed", job.id)
        finish_job(job, {}, f"{type(exc).__name__}: {exc}")
    return True


def run_scheduled_sync() -> bool:
    """Daemon job: the periodic sync of every configured calendar."""
    runner = _sync_runner()
    if runner is None:
        return False
    runner()
    return True


def _sync_runner():
    try:
        from app.services import sync
    except ImportError:
        return None
    return getattr(sync, "run_sync", None)


def _perform(job: SyncJob) -> dict[str, Any]:
    runner = _sync_runner()
    if runner is None:
        return {"error": "no calendar source is configured in this build yet"}
    return runner(days_ahead=job.days_ahead, force_refresh=job.force_refresh, calendar_id=job.calendar_id)


def job_json(job: SyncJob) -> dict[str, Any]:
    """The job as the API shows it: status, and once finished, the counts of the run."""
    body: dict[str, Any] = {"job_id": job.id, "status": job.status,
                            "requested_at": format_utc(job.requested_at)}
    if job.status in ("succeeded", "failed"):
        result = job.result or {}
        body.update({
            "success": job.status == "succeeded",
            **{name: int(result.get(name, 0)) for name in RESULT_FIELDS},
            "sync_time": format_utc(job.finished_at),
            "error": job.error,
        })
    return body
