"""The claims that keep daemons apart, taken by threads at one instant: sync jobs, outbox rows, interval runs."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from app.db import write_transaction
from app.extensions import db
from app.models import Heartbeat, JobRecord, PendingUpstreamOp
from app.services import sync_jobs, sync_outbox
from app.services.heartbeat import beat, process_name
from app.timeutil import utcnow
from daemon import intervals

THREADS = 6


def side_by_side(app, work: Callable[[int], Any]) -> list[Any]:
    """Run work(n) in THREADS threads (each its own app context and session), released at one instant."""
    start = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(n: int) -> None:
        with app.app_context():
            start.wait()
            try:
                results[n] = work(n)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_each_queued_sync_job_is_claimed_by_one_daemon(app):
    wanted = {sync_jobs.request_sync().id for _ in range(30)}

    def drain(n: int) -> list[int]:
        taken = []
        while (job := sync_jobs.claim_next_job(f"daemon:test:{n}:x")) is not None:
            taken.append(job.id)
        return taken

    claimed = [job_id for taken in side_by_side(app, drain) for job_id in taken]
    assert sorted(claimed) == sorted(wanted)  # none twice, none left


def add_ops(count: int) -> None:
    with write_transaction() as session:
        for n in range(count):
            session.add(
                PendingUpstreamOp(
                    calendar_id="primary",
                    source="google",
                    external_id=f"e{n}",
                    op="delete",
                    payload={},
                    attempts=0,
                    next_attempt_at=utcnow(),
                )
            )


def test_each_due_outbox_row_is_claimed_by_one_daemon_until_its_lease_ends(app):
    add_ops(40)

    def drain(_n: int) -> list[str]:
        taken = []
        while ops := sync_outbox.claim_due("google", 3):
            taken.extend(op.external_id for op in ops)
        return taken

    claimed = [external_id for taken in side_by_side(app, drain) for external_id in taken]
    assert sorted(claimed) == sorted(f"e{n}" for n in range(40))
    assert sync_outbox.claim_due("google", 100) == []  # all leased
    later = utcnow() + timedelta(seconds=sync_outbox.LEASE_SECONDS + 1)
    assert len(sync_outbox.claim_due("google", 100, now=later)) == 40  # a killed daemon's claims come back


def test_a_daemon_whose_lease_ran_out_does_not_overwrite_the_new_holder(app):
    add_ops(1)
    [first] = sync_outbox.claim_due("google", 1)
    [second] = sync_outbox.claim_due("google", 1, now=first.lease_until + timedelta(seconds=1))

    sync_outbox._record(first, "TimeoutError: too late")  # the first holder finally answers
    db.session.rollback()
    row = db.session.execute(select(PendingUpstreamOp)).scalar_one()
    assert (row.attempts, row.next_attempt_at) == (0, second.lease_until)

    sync_outbox._record(second, None)
    db.session.rollback()
    assert db.session.execute(select(PendingUpstreamOp)).first() is None


def hold_claims_as(holder: str) -> None:
    """Every claimed row is held by ``holder`` (another daemon than this test's process)."""
    with write_transaction() as session:
        session.execute(update(PendingUpstreamOp).values(claimed_by=holder))


def test_claims_of_a_daemon_that_stopped_beating_come_back_at_once(app):
    add_ops(5)
    now = utcnow()
    other = "daemon:elsewhere:1:b"  # another host: only its heartbeat tells whether it lives
    with write_transaction() as session:
        session.add(Heartbeat(name=other, pid=1, started_at=now, beat_at=now, interval_seconds=5))
    assert len(sync_outbox.claim_due("google", 100, now=now)) == 5
    hold_claims_as(other)
    assert sync_outbox.claim_due("google", 100, now=now + timedelta(seconds=10)) == []  # it still beats
    assert sync_outbox.any_due(now + timedelta(seconds=10)) is False

    later = now + timedelta(seconds=16)  # three of its 5 s beats missed
    assert sync_outbox.any_due(later) is True
    taken = sync_outbox.claim_due("google", 100, now=later)
    assert len(taken) == 5
    rows = db.session.execute(select(PendingUpstreamOp.claimed_by).distinct()).scalars().all()
    assert rows == [process_name()]


def test_claims_of_a_gone_process_on_this_host_come_back_and_unknown_holders_wait(app):
    add_ops(2)
    assert len(sync_outbox.claim_due("google", 100)) == 2
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    hold_claims_as(f"daemon:{socket.gethostname()}:{gone.pid}:c")  # never beat; its process has exited
    assert len(sync_outbox.claim_due("google", 100)) == 2

    hold_claims_as("daemon:elsewhere:2:d")  # never beat, on another host: nothing tells, so the lease holds
    assert sync_outbox.claim_due("google", 100) == []


def test_a_retried_or_changed_row_is_held_by_nobody(app):
    add_ops(1)
    [op] = sync_outbox.claim_due("google", 1)
    sync_outbox._record(op, "TimeoutError: slow")
    db.session.rollback()
    row = db.session.execute(select(PendingUpstreamOp)).scalar_one()
    assert (row.claimed_by, row.attempts) == (None, 1)


def this_daemon_beats(since: timedelta = timedelta(minutes=5)) -> None:
    """The claiming daemon is alive (a run it leaves unfinished is still its own)."""
    beat(utcnow() - since, 5)


def test_an_interval_run_is_claimed_once_per_interval(app):
    this_daemon_beats()
    now = utcnow()
    assert intervals.claim("planning_timeboxing", 600, now) is True
    assert intervals.claim("planning_timeboxing", 600, now + timedelta(seconds=1)) is False
    intervals.finish("planning_timeboxing")
    assert intervals.claim("planning_timeboxing", 600, now + timedelta(seconds=300)) is False
    assert intervals.claim("planning_timeboxing", 600, now + timedelta(seconds=600)) is True
    assert intervals.claim("other_job", 600, now) is True  # each job has its own interval


def test_concurrent_daemons_take_an_interval_run_once(app):
    this_daemon_beats()
    results = side_by_side(app, lambda _n: intervals.claim("scheduled_sync", 600))
    assert sorted(results) == [False] * (THREADS - 1) + [True]


def test_a_run_left_unfinished_by_a_dead_daemon_is_redone_at_once(app):
    now = utcnow()
    with write_transaction() as session:  # a daemon on another host, alive since before the claim
        session.add(
            Heartbeat(
                name="daemon:elsewhere:1:a",
                pid=1,
                started_at=now - timedelta(minutes=5),
                beat_at=now,
                interval_seconds=5,
            )
        )
    assert intervals.claim("scheduled_sync", 600, now) is True
    later = now + timedelta(seconds=30)
    assert intervals.claim("scheduled_sync", 600, later) is False  # it may be the one still running

    with write_transaction() as session:  # it stops beating: its unfinished run is abandoned
        session.execute(update(Heartbeat).values(beat_at=now - timedelta(minutes=1)))
    assert intervals.claim("scheduled_sync", 600, later) is True
    intervals.finish("scheduled_sync", later)
    assert intervals.claim("scheduled_sync", 600, later + timedelta(seconds=1)) is False  # finished: wait


def test_the_scheduled_sync_and_planning_jobs_run_once_per_interval(app, monkeypatch):
    from daemon.jobs import default_jobs

    settings = app.config["CHRONOS_SETTINGS"]
    settings = settings.model_copy(
        update={
            "planning": settings.planning.model_copy(update={"timeboxing_enabled": True, "replanning_enabled": True})
        }
    )
    calls: list[str] = []
    monkeypatch.setattr(sync_jobs, "run_scheduled_sync", lambda: calls.append("sync") or True)
    jobs = {name: func for _every, func, name in default_jobs(settings)}
    this_daemon_beats()
    for name in ("scheduled_sync", "planning_timeboxing", "planning_replanning"):
        assert jobs[name].__wrapped__ is not None
    assert jobs["scheduled_sync"]() is True and jobs["scheduled_sync"]() is False
    assert calls == ["sync"]
    db.session.rollback()
    record = db.session.get(JobRecord, "scheduled_sync")
    assert record.last_finished_at is not None and record.last_finished_at >= record.last_started_at
