"""A feed server that trickles a byte at a time: the fetch and the sync stop at their total deadlines, and the
daemon carries on with other work meanwhile."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import SyncJob, SyncState
from app.services import sync_jobs
from app.sources.base import SourceError
from app.sources.ics import fetch_url
from daemon.runner import Daemon
from tests.feeds.test_feed_problems import FMT, calendar, vevent


def feed(title: str) -> bytes:
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    return calendar(vevent([f"UID:{title}@x", f"DTSTART:{start:{FMT}}", f"SUMMARY:{title}"]))


def test_the_fetch_timeout_is_a_total_not_a_per_read_limit(feed_server):
    url = feed_server.add("/slow.ics", feed("Slow") * 10, trickle_seconds=0.3)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"did not deliver the feed within 1\.5 seconds"):
        fetch_url(url, 1.5, 1_000_000, "slow")
    assert 1.4 < time.monotonic() - started < 3  # bytes kept arriving every 0.3 s; the total still stopped it


def wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def test_a_slow_feed_stops_at_the_sync_deadline_while_the_daemon_serves_other_requests(make_app, feed_server):
    deadline = 4
    slow = feed_server.add("/slow.ics", feed("Slow") * 20, trickle_seconds=0.5)
    fast = feed_server.add("/fast.ics", feed("Fast"))
    app = make_app(
        {
            "calendar": {
                "source": "ics",
                "ics_feeds": [{"id": "slow", "url": slow}, {"id": "fast", "url": fast}],
                "fetch_timeout_seconds": 60,  # far beyond the sync's deadline: the deadline is what stops it
            },
            "sync": {"deadline_seconds": deadline},
            "scheduler": {"job_poll_seconds": 0.2, "heartbeat_seconds": 1},
        }
    )
    with app.app_context():
        daemon = Daemon(app)
        runner = threading.Thread(target=daemon.loop)
        started = time.monotonic()
        runner.start()  # the scheduled sync starts at once, with the slow calendar first
        try:
            wait_for(lambda: feed_server.requests.get("/slow.ics"), timeout=5)
            job = sync_jobs.request_sync(days_ahead=7, calendar_id="fast")

            def job_done() -> bool:
                db.session.rollback()
                return db.session.get(SyncJob, job.id).status in ("succeeded", "failed")

            wait_for(job_done, timeout=deadline)
            answered_after = time.monotonic() - started
            assert db.session.get(SyncJob, job.id).status == "succeeded"
            assert db.session.get(SyncState, "fast").status == "ok"

            def slow_failed() -> bool:
                db.session.rollback()
                state = db.session.get(SyncState, "slow")
                return state is not None and state.status == "error"

            wait_for(slow_failed, timeout=deadline + 10)
            stopped_after = time.monotonic() - started
        finally:
            daemon.stop_event.set()
            runner.join(timeout=20)
        assert not runner.is_alive()
        assert answered_after < deadline < stopped_after < deadline + 4
        state = db.session.get(SyncState, "slow")
        assert "deadline" in state.last_error and "sync.deadline_seconds = 4" in state.last_error
        assert db.session.execute(select(SyncJob).where(SyncJob.status == "running")).first() is None
