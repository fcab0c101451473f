"""Timed firing: 10,000 events whose event.starting webhooks fall due over 10 minutes, fired by the real daemon at
a local receiver, plus a burst of events all due at one moment.

Run by hand: `.venv/bin/python bench/webhook_firing.py` (`--minutes 2 --events 2000` for a quicker look); on
PostgreSQL add `--database-url postgresql://user@host:port/any_db`: a database `bench_firing_<pid>` is created
on that server for the run and dropped afterwards. Prints one line per figure:
- lateness (arrival at the receiver minus the due time) p50 / p99 / max; target p99 < 2 s;
- deliveries/s: the spread's average, and the burst's (how fast a backlog of deliveries drains);
- the daemon's CPU while idle between firings (CPU seconds per wall second over an idle stretch); target: no
  busy loop (< 2 % of one core).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from app import create_app  # noqa: E402
from app.db import write_transaction  # noqa: E402
from app.models import Event, Heartbeat  # noqa: E402
from app.services import webhooks  # noqa: E402
from app.timeutil import utcnow  # noqa: E402
from bench.scratch import scratch_databases  # noqa: E402

API_KEY = "bench-key-0123456789"
LATENESS_TARGET = 2.0
IDLE_CPU_TARGET = 0.02
IDLE_SECONDS = 15.0  # the idle stretch measured before the first firing
CALENDAR = "bench"


class Receiver:
    """Records when each delivery arrives and the due time its event stands for."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, float, str]] = []  # (arrived, due, webhook-id)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                arrived = time.time()
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                due = datetime.fromisoformat(body["data"]["event"]["start_time"].replace("Z", "+00:00")).timestamp()
                with receiver.lock:
                    receiver.arrivals.append((arrived, due, self.headers["webhook-id"]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def add_events(starts: list[datetime]) -> None:
    """Store events quickly (one multi-row insert per thousand), in the bench calendar."""
    now = utcnow()
    rows = [
        {
            "title": f"Bench {n}",
            "start_time": start,
            "end_time": start + timedelta(minutes=30),
            "calendar_id": CALENDAR,
            "created_at": now,
            "updated_at": now,
        }
        for n, start in enumerate(starts)
    ]
    for begin in range(0, len(rows), 1000):
        with write_transaction() as session:
            session.execute(insert(Event), rows[begin : begin + 1000])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(args: argparse.Namespace, database_url: str, instance: Path) -> int:
    settings = {
        "app": {"instance_path": str(instance)},
        "api": {"api_key": API_KEY},
        "calendar": {"source": "demo"},
        "database": {"url": database_url},
    }
    app = create_app(settings)
    receiver = Receiver()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOS")}
    env.update(
        {
            "CHRONOS_DATABASE_URL": database_url,
            "CHRONOS_INSTANCE_PATH": str(instance),
            "CHRONOS_API_KEY": API_KEY,
            "CHRONOS_CALENDAR_SOURCE": "demo",
            "CHRONOS__SCHEDULER__SYNC_INTERVAL_MINUTES": "30",
        }
    )
    log = (instance / "daemon.log").open("w")  # shown when the daemon fails
    daemon = subprocess.Popen([sys.executable, "-m", "daemon"], cwd=ROOT, env=env, stderr=log)
    try:
        with app.app_context():
            deadline = time.monotonic() + 60
            session = app.extensions["sqlalchemy"].session
            while not session.query(Heartbeat).count():
                session.rollback()  # a new snapshot on the next look
                if time.monotonic() > deadline or daemon.poll() is not None:
                    raise SystemExit("the daemon did not start:\n" + (instance / "daemon.log").read_text())
                time.sleep(0.2)
            first = (utcnow() + timedelta(seconds=IDLE_SECONDS + 15)).replace(microsecond=0)
            span = args.minutes * 60
            starts = [first + timedelta(seconds=span * n / args.events) for n in range(args.events)]
            burst_at = first + timedelta(seconds=span + 10)
            starts += [burst_at] * args.burst
            add_events(starts)
            webhooks.create_webhook(receiver.url, ["event.starting"], calendars=[CALENDAR])
        time.sleep(max(0.0, first.timestamp() - time.time() - IDLE_SECONDS - 1))
        cpu_before, wall_before = cpu_seconds(daemon.pid), time.monotonic()
        time.sleep(IDLE_SECONDS)
        idle_cpu = (cpu_seconds(daemon.pid) - cpu_before) / (time.monotonic() - wall_before)
        total = args.events + args.burst
        deadline = time.monotonic() + span + 120
        while receiver.count() < total and time.monotonic() < deadline and daemon.poll() is None:
            time.sleep(0.5)
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
    arrivals = list(receiver.arrivals)
    spread = [(a, d) for a, d, _ in arrivals if d < burst_at.timestamp()]
    burst = [a for a, d, _ in arrivals if d >= burst_at.timestamp()]
    late = [a - d for a, d in spread]
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    p50, p99 = percentile(late, 0.5), percentile(late, 0.99)
    duplicates = len(arrivals) - len({wid for _a, _d, wid in arrivals})
    print(
        f"webhook firing ({backend}): {len(spread):,}/{args.events:,} event.starting over {args.minutes:g} min "
        f"delivered, {duplicates} duplicates",
        flush=True,
    )
    print(
        f"firing lateness: p50 {p50:.3f} s, p99 {p99:.3f} s, max {max(late):.3f} s, min {min(late):.3f} s "
        f"(target p99 < {LATENESS_TARGET:g} s: {'PASS' if p99 < LATENESS_TARGET else 'FAIL'})",
        flush=True,
    )
    print(
        f"deliveries/s: spread {len(spread) / (max(a for a, _ in spread) - min(a for a, _ in spread)):,.1f}; "
        f"burst of {args.burst:,} due at once drained at "
        f"{len(burst) / max(1e-9, max(burst) - burst_at.timestamp()):,.0f}/s "
        f"(last one {max(burst) - burst_at.timestamp():.2f} s after due)",
        flush=True,
    )
    print(
        f"daemon idle CPU: {idle_cpu * 100:.2f} % of one core over {IDLE_SECONDS:g} s without firings "
        f"(target < {IDLE_CPU_TARGET * 100:g} %: {'PASS' if idle_cpu < IDLE_CPU_TARGET else 'FAIL'})",
        flush=True,
    )
    ok = (
        len(spread) == args.events and len(burst) == args.burst and p99 < LATENESS_TARGET and idle_cpu < IDLE_CPU_TARGET
    )
    return 0 if ok and duplicates == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000, help="events spread over the window (10,000)")
    parser.add_argument("--minutes", type=float, default=10, help="the window they fall due in (10)")
    parser.add_argument("--burst", type=int, default=2_000, help="events all due at one moment after it (2,000)")
    parser.add_argument("--database-url", help="a PostgreSQL server to run on; default: a SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chronos-bench-firing-") as tmp:
        instance = Path(tmp)
        if not args.database_url:
            return run(args, f"sqlite:///{instance / 'chronos.db'}", instance)
        with scratch_databases(args.database_url, instance) as new:
            return run(args, new("firing"), instance)


if __name__ == "__main__":
    sys.exit(main())
