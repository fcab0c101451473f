"""Locks, and the daemon killed with SIGKILL in the middle of a large sync: nothing lost, nothing doubled."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from app.db import write_transaction
from app.extensions import db
from app.models import Command, Event, Heartbeat, PendingUpstreamOp, SyncState
from app.services import sync_jobs, sync_lock
from app.services.sync import run_sync
from app.timeutil import utcnow
from tests.conftest import TEST_KEY
from tests.fakes.google_calendar import FakeGoogle
from tests.support import google_env
from tests.sync.helpers import daemon_env, soon, timed

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.sqlite_only
def test_a_calendar_leased_by_a_live_process_is_skipped_and_a_dead_holder_is_replaced(app):
    run_sync(calendar_id="primary")
    with write_transaction() as session:  # held by a live process (this one) with a long lease
        state = session.get(SyncState, "primary")
        state.lock_owner = f"{socket.gethostname()}:{os.getpid()}:other"
        state.lock_expires_at = utcnow() + timedelta(hours=1)

    busy = run_sync(calendar_id="primary")
    assert "another sync" in busy["error"]

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    with write_transaction() as session:
        session.get(SyncState, "primary").lock_owner = f"{socket.gethostname()}:{dead.stdout.strip()}:gone"
    assert run_sync(calendar_id="primary").get("error") is None
    db.session.rollback()
    assert db.session.get(SyncState, "primary").lock_owner is None
    assert sync_lock.holder_is_dead(f"{socket.gethostname()}:{os.getpid()}:me") is False


@pytest.mark.postgresql_only
def test_a_calendar_locked_by_another_session_is_skipped_until_that_session_ends(app, database_url):
    other = psycopg.connect(database_url, autocommit=True)
    try:  # another daemon syncing "primary": its advisory lock, on its own connection
        assert other.execute("SELECT pg_try_advisory_lock(%s)", (sync_lock.advisory_key("primary"),)).fetchone()[0]
        busy = run_sync(calendar_id="primary")
        assert "another sync" in busy["error"]
        assert run_sync(calendar_id="personal").get("error") is None  # other calendars are not held up
    finally:
        other.close()  # what a killed daemon's connection does: the server drops its locks
    assert run_sync(calendar_id="primary").get("error") is None
    db.session.rollback()
    assert db.session.get(SyncState, "primary").lock_owner is None  # the lease columns are SQLite's
    # Released after the sync: this session can take the lock, and nobody else holds it.
    probe = psycopg.connect(database_url, autocommit=True)
    try:
        assert probe.execute("SELECT pg_try_advisory_lock(%s)", (sync_lock.advisory_key("primary"),)).fetchone()[0]
    finally:
        probe.close()


def test_a_requested_sync_waits_for_the_calendar_held_by_another_daemon(app):
    """A sync request is not refused because another daemon is syncing the calendar right now."""
    held, release = threading.Event(), threading.Event()

    def other_daemon():
        with app.app_context(), sync_lock.calendar_lock("primary") as lock:
            assert lock is not None
            held.set()
            release.wait(10)

    run_sync(calendar_id="primary")  # the calendar's state row exists
    thread = threading.Thread(target=other_daemon)
    thread.start()
    try:
        assert held.wait(10)
        assert "another sync" in run_sync(calendar_id="primary")["error"]  # no wait: skipped at once
        threading.Timer(0.5, release.set).start()
        assert run_sync(calendar_id="primary", lock_wait=20).get("error") is None
    finally:
        release.set()
        thread.join()


def count(model) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count(model.id))).scalar_one()


def test_daemon_killed_mid_sync_and_restarted_loses_and_duplicates_nothing(app, tmp_path: Path):
    fake = FakeGoogle(page_size=250).start()
    try:
        total, actions = 5000, 5
        for n in range(total):
            title = f"ACTION: STATUS host-{n}" if n % (total // actions) == 1 else f"Event {n}"
            fake.add_event(**timed(title, soon(1 + n % 300)))
        token_file = tmp_path / "token.json"
        token_file.write_text(json.dumps(fake.token_info()))
        env = daemon_env(
            app,
            **google_env(fake, token_file),
            CHRONOS__SCHEDULER__SYNC_INTERVAL_MINUTES="1",
        )

        def start():
            return subprocess.Popen(
                [sys.executable, "-m", "daemon"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

        first = start()
        try:
            deadline = time.monotonic() + 60
            while count(Event) < 500:  # a few pages stored, the rest still to come
                assert time.monotonic() < deadline and first.poll() is None
                time.sleep(0.05)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        stored_at_kill = count(Event)
        assert stored_at_kill < total - actions, "the sync finished before the kill; nothing was tested"

        second = start()
        # The killed daemon had claimed this interval's scheduled sync, so the next scheduled one may be a minute
        # away (longer than the wait below on a loaded machine): a sync request is carried out at once.
        sync_jobs.request_sync(requested_by="test")
        try:
            deadline = time.monotonic() + 120
            while count(Event) + count(Command) < total or count(PendingUpstreamOp):
                assert time.monotonic() < deadline and second.poll() is None
                time.sleep(0.2)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)

        db.session.rollback()
        rows = db.session.execute(select(Event.external_id)).scalars().all()
        assert len(rows) == len(set(rows)) == total - actions
        live = {e["id"] for e in fake.live()}
        assert set(rows) <= live
        # Every consumed entry is gone upstream, also one whose delete the killed daemon had claimed: its process
        # is gone, so the other daemon takes the claim over without waiting for the lease to run out.
        assert live == set(rows)
        sources = db.session.execute(select(Command.source_key)).scalars().all()
        assert len(sources) == len(set(sources)) == actions
        assert db.session.get(SyncState, "primary").status == "ok"
    finally:
        fake.stop()


def test_jobs_left_running_by_a_daemon_that_no_longer_beats_are_failed(app):
    from app.models import SyncJob
    from app.services.heartbeat import beat
    from app.services.sync_jobs import claim_next_job, fail_interrupted_jobs, request_sync

    dead = int(
        subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout
    )
    live_name = f"daemon:elsewhere:{dead}:live"  # on another host: only its beats tell
    dead_name = f"daemon:{socket.gethostname()}:{dead}:dead"  # beat a moment ago, then SIGKILLed
    beat(utcnow() - timedelta(minutes=5), 5, name=live_name)
    with write_transaction() as session:
        now, old = utcnow(), utcnow() - timedelta(minutes=1)
        session.add(Heartbeat(name=dead_name, pid=dead, started_at=old, beat_at=now, interval_seconds=5))
        session.add(Heartbeat(name="daemon:elsewhere:1:stale", pid=1, started_at=old, beat_at=old, interval_seconds=5))
    jobs = {}
    for runner in (live_name, dead_name, "daemon:elsewhere:1:stale", "daemon:never:1:beat"):
        request_sync()
        jobs[runner] = claim_next_job(runner).id

    assert fail_interrupted_jobs() is True
    assert fail_interrupted_jobs() is False

    db.session.rollback()
    status = {runner: db.session.get(SyncJob, job_id) for runner, job_id in jobs.items()}
    assert status.pop(live_name).status == "running"
    assert [(job.status, "interrupted" in job.error) for job in status.values()] == [("failed", True)] * 3


def test_daemon_keeps_running_when_google_refuses_the_grant(app, tmp_path: Path):
    fake = FakeGoogle().start()
    try:
        token_file = tmp_path / "token.json"
        token_file.write_text(json.dumps(fake.token_info(access_token="stale", expired=True)))
        fake.refresh_tokens.clear()  # revoked
        env = daemon_env(
            app,
            **google_env(fake, token_file),
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "daemon"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                db.session.rollback()
                state = db.session.get(SyncState, "primary")
                if state is not None and state.status == "disconnected":
                    break
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
            assert "invalid_grant" in state.last_error
            time.sleep(1.5)  # beats go on after the failed sync
            client = app.test_client()
            db.session.rollback()
            health = client.get("/health", headers={"Authorization": f"Bearer {TEST_KEY}"}).json
            assert process.poll() is None and health["scheduler"]["is_running"] is True
            assert health["details"]["calendars"][0]["status"] == "disconnected"
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) == 0
    finally:
        fake.stop()
