"""Sync requests: recorded by the web process, claimed and carried out by the daemon."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from app.db import write_transaction
from app.errors import NotFoundError
from app.extensions import db
from app.models import SyncJob
from app.services import heartbeat, sync, sync_store
from app.timeutil import utcnow

log = logging.getLogger(__name__)

RESULT_FIELDS = (*sync_store.COUNT_FIELDS, "pending_upstream")
FINISHED = ("succeeded", "failed")
# The result key naming the daemon that runs a job, while it runs.
RUNNER = "daemon"
# A requested sync waits this long for a calendar that another daemon is syncing before it reports it busy.
LOCK_WAIT_SECONDS = 60


def request_sync(
    days_ahead: int = 7, force_refresh: bool = False, calendar_id: str | None = None, requested_by: str = "api"
) -> SyncJob:
    with write_transaction() as session:
        job = SyncJob(
            status="queued",
            days_ahead=days_ahead,
            force_refresh=force_refresh,
            calendar_id=calendar_id,
            requested_by=requested_by,
            requested_at=utcnow(),
        )
        session.add(job)
    return job


def get_job(job_id: int) -> SyncJob:
    job = db.session.get(SyncJob, job_id)
    if job is None:
        raise NotFoundError(f"No sync job with id {job_id}.")
    return job


def claim_next_job(runner: str | None = None) -> SyncJob | None:
    """Atomically move the oldest queued job to running for this daemon; None when there is nothing to do.

    One statement on both backends. PostgreSQL: FOR UPDATE SKIP LOCKED lets concurrent daemons each take a
    different job instead of queueing behind one row. SQLite renders no FOR UPDATE: the IMMEDIATE write
    transaction already lets one claimer in at a time. The claimer's heartbeat name is kept in `result`, so
    a job whose daemon died can be told from one that is still running (fail_interrupted_jobs).
    """
    runner = runner or heartbeat.process_name()
    oldest = (
        select(SyncJob.id)
        .where(SyncJob.status == "queued")
        .order_by(SyncJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    with write_transaction() as session:
        job_id = session.execute(
            update(SyncJob)
            .where(SyncJob.id == oldest, SyncJob.status == "queued")
            .values(status="running", started_at=utcnow(), result={RUNNER: runner})
            .returning(SyncJob.id)
        ).scalar_one_or_none()
    return db.session.get(SyncJob, job_id) if job_id is not None else None


def finish_job(job: SyncJob, result: dict[str, Any], error: str | None) -> None:
    """Record the outcome (also over an "interrupted" verdict given while this daemon's beat looked stale)."""
    with write_transaction() as session:
        session.execute(
            update(SyncJob)
            .where(SyncJob.id == job.id)
            .values(status="failed" if error else "succeeded", result=result, error=error, finished_at=utcnow())
        )


def run_next_queued_job() -> bool:
    """Daemon job: carry out one queued sync request. Returns whether there was one."""
    job = claim_next_job()
    if job is None:
        return False
    try:
        result = sync.run_sync(
            days_ahead=job.days_ahead,
            force_refresh=job.force_refresh,
            calendar_id=job.calendar_id,
            lock_wait=LOCK_WAIT_SECONDS,
        )
        finish_job(job, result, result.get("error"))
    except Exception as exc:
        db.session.rollback()
        log.exception("sync job %s failed", job.id)
        finish_job(job, {}, f"{type(exc).__name__}: {exc}")
    return True


def run_scheduled_sync() -> bool:
    """Daemon job: the periodic sync of every configured calendar."""
    sync.run_sync()
    return True


def fail_interrupted_jobs() -> bool:
    """Daemon job: jobs left "running" by a daemon that no longer beats (killed mid-sync) are failed.

    Their work is not lost: the next sync repeats whatever the interrupted one had not stored.
    """
    alive = {row.name for row in heartbeat.alive_daemons()}
    running = db.session.execute(select(SyncJob.id, SyncJob.result).where(SyncJob.status == "running")).all()
    orphans = [job_id for job_id, result in running if (result or {}).get(RUNNER) not in alive]
    db.session.commit()
    if not orphans:
        return False
    with write_transaction() as session:
        session.execute(
            update(SyncJob)
            .where(SyncJob.id.in_(orphans), SyncJob.status == "running")
            .values(
                status="failed",
                finished_at=utcnow(),
                error="interrupted: the daemon stopped during this sync; the next sync completes it",
            )
        )
    return True


@dataclass(frozen=True)
class JobReport:
    """A sync job as callers see it: its status and, once it is finished (success set), how its run went."""

    job_id: int
    status: str
    requested_at: datetime | None
    success: bool | None = None
    events_processed: int | None = None
    events_created: int | None = None
    events_updated: int | None = None
    events_deleted: int | None = None
    events_consumed: int | None = None
    pending_upstream: int | None = None
    sync_time: datetime | None = None
    error: str | None = None
    warning: str | None = None
    # Items the source skipped (e.g. unreadable ICS components): the sync succeeds without them.
    problems: list[dict[str, Any]] | None = None


def job_report(job: SyncJob, warning: str | None = None) -> JobReport:
    """The job's status and, once finished, the counts of the run (missing counts are 0)."""
    if job.status not in FINISHED:
        return JobReport(job.id, job.status, job.requested_at, warning=warning)
    result = job.result or {}
    counts = {name: int(result.get(name, 0)) for name in RESULT_FIELDS}
    return JobReport(
        job.id,
        job.status,
        job.requested_at,
        success=job.status == "succeeded",
        **counts,
        sync_time=job.finished_at,
        error=job.error,
        warning=warning,
        problems=list(result.get("problems") or []),
    )
