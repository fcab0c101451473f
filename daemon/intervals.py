"""Once-per-interval jobs across every daemon sharing the database (scheduled sync, planning runs).

Each daemon schedules these jobs on its own clock; before running, it takes the interval with a
compare-and-set on the job's `job_records.last_started_at`: exactly one daemon moves it forward, the others
find it changed and skip. Machines' clocks are assumed to agree within a few seconds (NTP).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.db import write_transaction
from app.extensions import db
from app.models import JobRecord
from app.services import heartbeat
from app.timeutil import utcnow

# Runs may start this much early (a fraction of the interval, at most a few seconds): clock differences between
# machines must not make a daemon skip its own punctual run.
MAX_SLACK_SECONDS = 5.0


def claim(name: str, every_seconds: float, now: datetime | None = None) -> bool:
    """Take this interval's run of the job `name`: True for one caller per interval across all daemons.

    Due when it never ran, when the last run started an interval ago, or when the last run never finished
    and no daemon that was alive when it started still beats (it died mid-run: its work is redone now).
    """
    now = now or utcnow()
    insert = (sqlite if db.engine.dialect.name == "sqlite" else postgresql).insert
    with write_transaction() as session:
        session.execute(
            insert(JobRecord)
            .values(name=name, runs=0, failures=0, last_status="never")
            .on_conflict_do_nothing(index_elements=["name"])
        )
        started, finished = session.execute(
            select(JobRecord.last_started_at, JobRecord.last_finished_at).where(JobRecord.name == name)
        ).one()
        if not _due(started, finished, every_seconds, now):
            return False
        seen = JobRecord.last_started_at.is_(None) if started is None else JobRecord.last_started_at == started
        taken = session.execute(
            update(JobRecord)
            .where(JobRecord.name == name, seen)
            .values(last_started_at=now, last_finished_at=None)
            .returning(JobRecord.name)
        ).first()
    return taken is not None


def _due(started: datetime | None, finished: datetime | None, every_seconds: float, now: datetime) -> bool:
    if started is None:
        return True
    slack = min(MAX_SLACK_SECONDS, every_seconds / 10)
    if now - started >= timedelta(seconds=every_seconds - slack):
        return True
    unfinished = finished is None or finished < started
    return unfinished and not any(row.started_at <= started for row in heartbeat.alive_daemons())


def finish(name: str, now: datetime | None = None) -> None:
    """Mark the job's run as finished (a run that never finishes is redone once its daemon is gone)."""
    with write_transaction() as session:
        session.execute(update(JobRecord).where(JobRecord.name == name).values(last_finished_at=now or utcnow()))


def once_per_interval(name: str, every_seconds: float, func: Callable[[], object]) -> Callable[[], object]:
    """Wrap a scheduled job so that of all daemons only one runs it per interval (the others skip: False)."""

    def run() -> object:
        if not claim(name, every_seconds):
            return False
        try:
            return func()
        finally:
            db.session.rollback()  # a failed run leaves its session unusable until rolled back
            finish(name)

    run.__name__ = getattr(func, "__name__", name)
    run.__wrapped__ = func  # type: ignore[attr-defined]
    return run
