"""Calendar sync throughput: a full sync of 100,000 fake Google events by the real daemon, an incremental sync
of 100 changes, the daemon's peak memory, and a raw bulk insert of the same rows for comparison.

Run by hand: `.venv/bin/python bench/sync.py` (EVENTS=20000 for a quicker look); on PostgreSQL add
`--database-url postgresql://user@host:port/any_db`: a database `bench_sync_<pid>` is created on that server for
the run and dropped afterwards. The daemon runs as a real process against the fake Google server (tests/fakes),
through the whole plugin pipeline. Targets (both backends): full sync >= 2,000 events/s end to
end; incremental sync of 100 changes < 1 s; daemon peak RSS < 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bench.scratch import drop_database, scratch_database  # noqa: E402
from tests.fakes.google_calendar import FakeGoogle  # noqa: E402

EVENTS = int(os.environ.get("EVENTS", "100000"))
CHANGES = 100
FULL_TARGET = 2000.0
INCREMENTAL_TARGET = 1.0
RSS_TARGET_MB = 200.0
API_KEY = "bench-key-0123456789"


def resource(n: int, start: datetime) -> dict:
    begin = start + timedelta(minutes=30 * (n % 5000))
    return {
        "summary": f"Bench event {n}",
        "description": "Quarterly planning and review",
        "location": "Room 1",
        "start": {"dateTime": begin.strftime("%Y-%m-%dT%H:%M:%SZ"), "timeZone": "UTC"},
        "end": {"dateTime": (begin + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"), "timeZone": "UTC"},
    }


def sync_state(engine: Engine) -> tuple[str | None, str | None]:
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT status, last_counts FROM sync_state WHERE calendar_id = 'primary'")
            ).fetchone()
    except Exception:  # the daemon has not made its tables yet
        return None, None
    if row is None:
        return None, None
    counts = row[1] if isinstance(row[1], str) or row[1] is None else json.dumps(row[1])
    return row[0], counts


def job_row(engine: Engine, job_id: int) -> tuple[str, dict]:
    with engine.connect() as connection:
        status, result = connection.execute(
            text("SELECT status, result FROM sync_jobs WHERE id = :id"), {"id": job_id}
        ).one()
    return status, json.loads(result) if isinstance(result, str) else result


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_for(predicate, timeout: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if process.poll() is not None:
            raise SystemExit(f"the daemon exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.05)


def bench_daemon(work: Path, fake: FakeGoogle, database_url: str | None) -> tuple[float, float, float]:
    """(full sync events/s, incremental seconds, peak RSS MB) with the daemon as a real process."""
    instance = work / "instance"
    token = work / "token.json"
    token.write_text(json.dumps(fake.token_info()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOS")}
    env.update(
        {
            "CHRONOS_INSTANCE_PATH": str(instance),
            "CHRONOS_API_KEY": API_KEY,
            "CHRONOS_LOG_LEVEL": "WARNING",
            "CHRONOS_CALENDAR_SOURCE": "google",
            "CHRONOS__CALENDAR__TOKEN_FILE": str(token),
            "CHRONOS__CALENDAR__GOOGLE__API_ENDPOINT": fake.api_endpoint,
            "CHRONOS__CALENDAR__GOOGLE__TOKEN_URI": fake.token_uri,
            "CHRONOS__SCHEDULER__SYNC_INTERVAL_MINUTES": "1440",
            "CHRONOS__SCHEDULER__JOB_POLL_SECONDS": "0.05",
        }
    )
    url = database_url or f"sqlite:///{instance / 'chronos.db'}"
    env["CHRONOS_DATABASE_URL"] = url
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    process = subprocess.Popen([sys.executable, "-m", "daemon"], cwd=ROOT, env=env)
    try:
        started = time.monotonic()  # includes start-up: the first scheduled sync runs at once
        wait_for(lambda: sync_state(engine)[0] == "ok", 1800, process)
        full = time.monotonic() - started
        created = json.loads(sync_state(engine)[1])["events_created"]
        assert created == EVENTS, f"created {created} of {EVENTS}"
        for n in range(CHANGES):
            fake.update_event("primary", f"evt{n + 1}", summary=f"Changed {n}")
        with engine.begin() as connection:  # the row the web process writes for POST /api/v1/sync/calendar
            job_id = connection.execute(
                text(
                    "INSERT INTO sync_jobs (status, days_ahead, force_refresh, requested_by, result, requested_at) "
                    "VALUES ('queued', 7, :no, 'bench', '{}', :now) RETURNING id"
                ),
                {"no": False, "now": datetime.now(UTC).replace(tzinfo=None)},
            ).scalar_one()
        asked = time.monotonic()
        wait_for(lambda: job_row(engine, job_id)[0] in ("succeeded", "failed"), 120, process)
        incremental = time.monotonic() - asked  # includes the daemon's pick-up delay
        result = job_row(engine, job_id)[1]
        assert result["events_updated"] == CHANGES, result
        rss = peak_rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        engine.dispose()
    return EVENTS / full, incremental, rss


def raw_rows() -> list[tuple]:
    start = datetime.now(UTC)
    return [
        (
            resource(n, start)["summary"],
            "Quarterly planning and review",
            "Room 1",
            (start + timedelta(minutes=30 * (n % 5000))).replace(tzinfo=None),
            "primary",
            f"evt{n}",
        )
        for n in range(EVENTS)
    ]


def bench_raw(work: Path) -> float:
    """The same rows inserted with one executemany into a bare SQLite table: the floor of what storage costs."""
    rows = [(*row[:3], row[3].isoformat(" "), *row[4:]) for row in raw_rows()]
    connection = sqlite3.connect(work / "raw.db")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, title TEXT, description TEXT, location TEXT, "
        "start_time TEXT, calendar_id TEXT, external_id TEXT, UNIQUE (calendar_id, external_id))"
    )
    began = time.perf_counter()
    with connection:
        connection.executemany(
            "INSERT INTO events (title, description, location, start_time, calendar_id, "
            "external_id) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    elapsed = time.perf_counter() - began
    connection.close()
    return EVENTS / elapsed


def bench_raw_postgres(url: str) -> float:
    """The same rows with one psycopg executemany (pipelined) into a bare table of the bench database."""
    rows = raw_rows()
    with psycopg.connect(url) as connection:
        connection.execute(
            "CREATE TABLE bench_raw_events (id SERIAL PRIMARY KEY, title TEXT, description TEXT, "
            "location TEXT, start_time TIMESTAMP, calendar_id TEXT, external_id TEXT, "
            "UNIQUE (calendar_id, external_id))"
        )
        connection.commit()
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO bench_raw_events (title, description, location, start_time, "
                "calendar_id, external_id) VALUES (%s, %s, %s, %s, %s, %s)",
                rows,
            )
        connection.commit()
        elapsed = time.perf_counter() - began
        connection.execute("DROP TABLE bench_raw_events")
        connection.commit()
    return EVENTS / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgresql://user@host:port/db) to run on; "
        "default: a SQLite file in a temporary folder",
    )
    server_url = parser.parse_args().database_url
    database_url = scratch_database(server_url, "bench_sync") if server_url else None
    fake = FakeGoogle(page_size=2500).start()
    try:
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        for n in range(EVENTS):
            fake.add_event(**resource(n, start))
        with tempfile.TemporaryDirectory(prefix="chronos-bench-sync-") as tmp:
            work = Path(tmp)
            raw = bench_raw_postgres(database_url) if database_url else bench_raw(work)
            full, incremental, rss = bench_daemon(work, fake, database_url)
    finally:
        fake.stop()
        if database_url:
            drop_database(server_url, database_url)
    ok_full, ok_incr, ok_rss = full >= FULL_TARGET, incremental < INCREMENTAL_TARGET, rss < RSS_TARGET_MB
    backend = "postgresql" if database_url else "sqlite"
    print(
        f"sync ({backend}): full {EVENTS:,} events {full:,.0f}/s (target >= {FULL_TARGET:,.0f}: "
        f"{'PASS' if ok_full else 'FAIL'}); "
        f"incremental {CHANGES} changes {incremental:.2f} s (target < {INCREMENTAL_TARGET:.0f} s: "
        f"{'PASS' if ok_incr else 'FAIL'}); daemon peak RSS {rss:.0f} MB (target < {RSS_TARGET_MB:.0f}: "
        f"{'PASS' if ok_rss else 'FAIL'}); raw bulk insert {raw:,.0f} rows/s",
        flush=True,
    )
    return 0 if ok_full and ok_incr and ok_rss else 1


if __name__ == "__main__":
    sys.exit(main())
