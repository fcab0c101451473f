"""The daemon's jobs and the wrapper that records how each run went."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from app.db import write_transaction
from app.extensions import db
from app.models import JobRecord
from app.services import commands as command_queue
from app.services import heartbeat as heartbeats
from app.services import maintenance, planning_jobs, push_channels, search_bits, sync, sync_jobs, webhook_firings
from app.settings import Settings
from app.timeutil import utcnow
from daemon import intervals

log = logging.getLogger("chronos.daemon")


def default_jobs(settings: Settings) -> list[tuple[float, Callable[[], object], str]]:
    """(every seconds, function, name) for each scheduled job.

    The scheduled sync and the planning runs happen once per interval across all daemons; the other jobs are
    safe to run in every daemon (claims, leases and locks keep their work apart).
    """
    every_sync = settings.scheduler.sync_interval_minutes * 60
    once = [
        (every_sync, sync_jobs.run_scheduled_sync, "scheduled_sync"),
        *planning_jobs.scheduled_jobs(settings),
    ]  # only the planning jobs enabled in settings.planning
    return [
        (settings.scheduler.job_poll_seconds, sync_jobs.run_next_queued_job, "sync_requests"),
        *[(every, intervals.once_per_interval(name, every, func), name) for every, func, name in once],
        (settings.scheduler.lease_reap_seconds, command_queue.reap_job, "command_lease_reaper"),
        (settings.scheduler.job_poll_seconds, sync.retry_upstream_job, "upstream_outbox"),
        (30, sync_jobs.fail_interrupted_jobs, "interrupted_sync_jobs"),
        (settings.scheduler.push_channels_seconds, push_channels.maintain_channels, "push_channels"),
        (settings.scheduler.job_poll_seconds, search_bits.rebuild_job, "search_bitmaps"),
        (300, maintenance.checkpoint_wal, "wal_checkpoint"),
        (3600, maintenance.prune_security_records, "security_records_pruning"),
        (3600, webhook_firings.prune_fired, "webhook_firings_pruning"),
    ]


def run_recorded(name: str, func: Callable[[], object]) -> None:
    """Run a job; log and record any exception so the loop goes on and the failure stays visible.

    A success is recorded only when the job reports that it did something (a truthy result), so that
    frequent polling jobs do not write on every tick.
    """
    started = utcnow()
    try:
        did_work = func()
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s failed", name)
        _record(name, started, f"{type(exc).__name__}: {exc}")
    else:
        if did_work:
            _record(name, started, None)
    finally:
        db.session.remove()


def _record(name: str, started: datetime, error: str | None) -> None:
    try:
        with write_transaction() as session:
            record = session.get(JobRecord, name) or JobRecord(name=name, runs=0, failures=0)
            session.add(record)
            record.runs += 1
            record.failures += 1 if error else 0
            record.last_started_at = started
            record.last_finished_at = utcnow()
            record.last_status = "failed" if error else "ok"
            if error:
                record.last_error = error
    except Exception:
        log.exception("could not record the outcome of job %s", name)
        db.session.rollback()


def heartbeat(started_at: datetime, interval: float) -> None:
    heartbeats.beat(started_at, interval)


def clear_heartbeat() -> None:
    heartbeats.clear()
