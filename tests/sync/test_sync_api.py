"""The sync API: 202 + Location, wait validation, 503 without a daemon, jobs, public health; and a real daemon."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from app.extensions import db
from app.models import SyncJob
from app.services.heartbeat import beat
from app.timeutil import utcnow
from tests.sync.helpers import daemon_env

ROOT = Path(__file__).resolve().parents[2]


def test_request_without_wait_is_queued_with_location_and_a_warning(client, auth):
    response = client.post("/api/v1/sync/calendar", json={"days_ahead": 3}, headers=auth)

    assert response.status_code == 202
    body = response.json
    assert body["status"] == "queued" and "daemon is not running" in body["warning"]
    assert response.headers["Location"].endswith(f"/api/v1/sync/jobs/{body['job_id']}")
    job = client.get(response.headers["Location"], headers=auth)
    assert job.status_code == 200 and job.json["status"] == "queued"


def test_wait_without_a_fresh_daemon_is_503_and_queues_nothing(client, auth, app):
    response = client.post("/api/v1/sync/calendar?wait=5", json={}, headers=auth)

    assert response.status_code == 503
    assert response.json["error"]["code"] == "unavailable"
    assert "daemon" in response.json["error"]["message"]
    assert db.session.query(SyncJob).count() == 0


def test_bad_input_is_422_naming_the_field(client, auth):
    for query, body, field in [
        ("?wait=0", {}, "wait"),
        ("?wait=61", {}, "wait"),
        ("?wait=x", {}, "wait"),
        ("", {"days_ahead": 0}, "days_ahead"),
        ("", {"days_ahead": 366}, "days_ahead"),
        ("", {"color": "red"}, "color"),
    ]:
        response = client.post(f"/api/v1/sync/calendar{query}", json=body, headers=auth)
        assert response.status_code == 422, (query, body)
        assert field in response.json["error"]["details"]["field"]


def test_auth_and_unknown_job(client, auth):
    assert client.post("/api/v1/sync/calendar", json={}).status_code == 401
    missing = client.get("/api/v1/sync/jobs/999", headers=auth)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_sync_health_is_public(client):
    response = client.get("/api/v1/sync/health")
    assert response.status_code == 200
    assert set(response.json) >= {"status", "scheduler", "timestamp"}
    assert response.json["scheduler"]["is_running"] is False


def test_wait_returns_the_finished_job_when_a_daemon_works_it(app, client, auth):
    """An in-process stand-in for the daemon claims the job while the request waits."""
    from app.services import sync_jobs

    beat(utcnow(), 5)

    def worker():
        with app.app_context():
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not sync_jobs.run_next_queued_job():
                time.sleep(0.05)

    thread = threading.Thread(target=worker)
    thread.start()
    response = client.post("/api/v1/sync/calendar?wait=20", json={"days_ahead": 5}, headers=auth)
    thread.join()

    assert response.status_code == 200
    body = response.json
    assert body["status"] == "succeeded" and body["success"] is True and body["error"] is None
    assert body["events_processed"] > 0 and body["events_created"] > 0 and body["events_consumed"] == 3
    assert body["sync_time"].endswith("Z") and "warning" not in body


def test_real_daemon_process_finishes_a_request_made_through_the_api(app, client, auth):
    process = subprocess.Popen(
        [sys.executable, "-m", "daemon"],
        cwd=ROOT,
        env=daemon_env(app),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not client.get("/api/v1/sync/health").json["scheduler"]["is_running"]:
            db.session.rollback()  # the test client shares this app context's session and its snapshot
            assert time.monotonic() < deadline, "daemon did not start"
            time.sleep(0.1)
        response = client.post("/api/v1/sync/calendar?wait=30", json={"calendar_id": "personal"}, headers=auth)

        assert response.status_code == 200, response.json
        assert response.json["status"] == "succeeded"
        job = client.get(response.headers["Location"], headers=auth).json
        assert job["events_processed"] > 0 and job["error"] is None
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
