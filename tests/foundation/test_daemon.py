"""The daemon as a real process (heartbeat, /health, SIGTERM) and its job wrapper in-process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Heartbeat, JobRecord, SyncJob
from app.services.sync_jobs import request_sync
from daemon.runner import Daemon
from tests.conftest import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]


def daemon_env(instance: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOS")}
    if database_url:
        env["CHRONOS_DATABASE_URL"] = database_url
    env.update(
        {
            "CHRONOS_INSTANCE_PATH": str(instance),
            "CHRONOS_API_KEY": TEST_KEY,
            "CHRONOS_CALENDAR_SOURCE": "demo",
            "CHRONOS__SCHEDULER__HEARTBEAT_SECONDS": "0.5",
            "CHRONOS__SCHEDULER__JOB_POLL_SECONDS": "0.2",
        }
    )
    return env


def wait_for(predicate, timeout: float = 15.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")


def start_daemon(app) -> subprocess.Popen:
    env = daemon_env(Path(app.instance_path), app.config["CHRONOS_SETTINGS"].database_url)
    return subprocess.Popen(
        [sys.executable, "-m", "daemon"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def daemon_rows() -> list[Heartbeat]:
    db.session.rollback()
    return list(db.session.execute(select(Heartbeat).where(Heartbeat.name.startswith("daemon:"))).scalars())


def test_daemon_process_beats_reports_healthy_and_stops_on_sigterm(app, client):
    process = start_daemon(app)
    try:
        [row] = wait_for(daemon_rows)
        assert row.pid == process.pid and row.name.startswith(f"daemon:{socket.gethostname()}:{process.pid}:")

        health = wait_for(lambda: client.get("/health").json["scheduler"]["is_running"] and client.get("/health"))
        assert health.status_code == 200
        assert health.json["status"] == "healthy"
        assert health.json["scheduler"]["last_heartbeat"].endswith("Z")
        assert health.json["scheduler"]["daemons"] == 1

        job = request_sync(days_ahead=3)

        def finished():
            db.session.rollback()
            return db.session.get(SyncJob, job.id).status in ("succeeded", "failed")

        wait_for(finished, timeout=30)  # picked up by the daemon within its poll interval

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert daemon_rows() == []  # a clean stop clears the heartbeat
    assert client.get("/health").status_code == 503
    assert client.get("/health").json["scheduler"]["daemons"] == 0


def test_stale_heartbeat_makes_health_degraded(app, client):
    from datetime import timedelta

    from app.db import write_transaction
    from app.timeutil import utcnow

    with write_transaction() as session:
        old = utcnow() - timedelta(seconds=60)
        session.add(Heartbeat(name="daemon:elsewhere:1:a", pid=1, started_at=old, beat_at=old, interval_seconds=5))
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json["status"] == "degraded"
    assert response.json["scheduler"]["status"] == "stale"
    assert response.json["scheduler"]["daemons"] == 0


def test_health_counts_the_daemons_beating_now_and_stays_healthy_while_one_does(app, client):
    from datetime import timedelta

    from app.db import write_transaction
    from app.services.heartbeat import beat
    from app.timeutil import format_utc, utcnow

    now = utcnow()
    with write_transaction() as session:  # daemons on other hosts: only their beats tell whether they live
        session.add(
            Heartbeat(
                name="daemon:host-a:7:x", pid=7, started_at=now, beat_at=now - timedelta(seconds=2), interval_seconds=5
            )
        )
        session.add(
            Heartbeat(
                name="daemon:host-b:7:y", pid=7, started_at=now, beat_at=now - timedelta(seconds=14), interval_seconds=5
            )
        )  # within 3 beats
        session.add(
            Heartbeat(
                name="daemon:host-c:7:z", pid=7, started_at=now, beat_at=now - timedelta(seconds=16), interval_seconds=5
            )
        )  # stale
        session.add(
            Heartbeat(
                name="daemon:host-d:7:w", pid=7, started_at=now, beat_at=now - timedelta(hours=2), interval_seconds=5
            )
        )  # long dead
        session.add(Heartbeat(name="web-cache", pid=7, started_at=now, beat_at=now, interval_seconds=5))

    scheduler = client.get("/health").json["scheduler"]
    assert (scheduler["status"], scheduler["is_running"], scheduler["daemons"]) == ("running", True, 2)
    assert scheduler["last_heartbeat"] == format_utc(now - timedelta(seconds=2))  # the newest beat
    assert client.get("/api/v1/sync/health").json["scheduler"]["daemons"] == 2
    assert client.get("/health").status_code == 200

    beat(now, 5)  # this process beats too, and prunes the long-dead daemon's row
    db.session.rollback()
    names = set(db.session.execute(select(Heartbeat.name)).scalars())
    assert "daemon:host-d:7:w" not in names and {"daemon:host-c:7:z", "web-cache"} <= names
    assert client.get("/health").json["scheduler"]["daemons"] == 3


def test_a_job_that_raises_does_not_stop_the_loop(app):
    calls = {"boom": 0, "fine": 0}

    def boom():
        calls["boom"] += 1
        raise RuntimeError("job exploded")

    def fine():
        calls["fine"] += 1
        return True

    daemon = Daemon(app, extra_jobs=[(0.05, boom, "boom"), (0.05, fine, "fine")])
    runner = threading.Thread(target=daemon.loop)
    runner.start()
    wait_for(lambda: calls["boom"] >= 3 and calls["fine"] >= 3, timeout=10)
    daemon.stop_event.set()
    runner.join(timeout=10)
    assert not runner.is_alive()
    db.session.rollback()
    record = db.session.execute(select(JobRecord).where(JobRecord.name == "boom")).scalar_one()
    assert record.failures >= 3 and record.last_status == "failed"
    assert "job exploded" in record.last_error
    assert db.session.get(JobRecord, "fine").last_status == "ok"


def test_config_error_stops_the_daemon_with_one_line(tmp_path):
    env = daemon_env(tmp_path / "instance")
    env["CHRONOS_TIMEZONE"] = "Nowhere/Special"
    result = subprocess.run(
        [sys.executable, "-m", "daemon"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["config error: app.timezone in environment: unknown time zone 'Nowhere/Special'"]
