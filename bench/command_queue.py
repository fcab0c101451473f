"""Command queue throughput: a raw driver loop, the service layer, and HTTP through one and two web processes.

Run by hand: `.venv/bin/python bench/command_queue.py` (SQLite files in a temporary folder), or with
`--database-url postgresql://user@host:port/maintenance_db` to measure PostgreSQL: each measurement then runs in
a new database `bench_queue_<pid>_<name>` on that server, dropped afterwards. Each measurement claims batches of
10 and completes every command, checks that no command was delivered twice and none was left, and prints one
summary line. The raw loop runs the hot path's own SQL (app/services/command_sql.py, compiled as the hot path
compiles it) on a bare driver connection: the floor the service layer and HTTP are compared with.
Last, the one-process HTTP run is repeated with a stored `commands:bench` key against the admin key
(`--keys-only` runs just that comparison).
Targets: >= 1,000 commands/s through HTTP, also over two web processes; the service layer
within 2x of the raw loop; a scoped key costs <= 5% against the admin key.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg.types.json import Json  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from app import create_app  # noqa: E402
from app.models import Command  # noqa: E402
from app.models.types import stored_text  # noqa: E402
from app.services.command_leases import LEASE_EXPIRED  # noqa: E402
from app.services.command_sql import CompiledStatement, queue_sql  # noqa: E402
from app.timeutil import utcnow  # noqa: E402
from bench.scratch import scratch_databases  # noqa: E402
from tests.support import LiveServer  # noqa: E402

API_KEY = "bench-key-0123456789"
BATCH = 10
HTTP_POLLERS = 8
HTTP_COMMANDS = 8000
LOOP_COMMANDS = 2000
# Raw and service rounds alternate and the best of each counts, so a load spike from another process on the
# machine does not decide the ratio.
LOOP_ROUNDS = 3
HTTP_TARGET = 1000.0
KEY_ROUNDS = 3
KEY_OVERHEAD_PERCENT = 5.0
SERVICE_FACTOR = 2.0


class Target:
    """Where the measured databases live: SQLite files in a folder, or databases on one PostgreSQL server
    (made by bench/scratch.py, dropped when the run ends)."""

    def __init__(self, work: Path, server_url: str | None, new: Callable[[str], str]) -> None:
        self.work, self.server_url, self.new = work, server_url, new

    @property
    def postgresql(self) -> bool:
        return self.server_url is not None


def make_bench_app(instance: Path, url: str):
    return create_app(
        {
            "app": {"env": "test", "instance_path": str(instance)},
            "api": {"api_key": API_KEY},
            "calendar": {"source": "demo"},
            "plugins": {"enabled": []},
            "database": {"url": url},
            "logging": {"level": "WARNING"},
        }
    )


def seed(app, count: int, system_id: str = "bench") -> None:
    """Bulk-insert pending commands (set-up, not measured)."""
    from app.extensions import db

    now = utcnow() - timedelta(seconds=1)
    rows = [
        {
            "system_id": system_id,
            "command": "NOTIFY",
            "parameters": {"n": n},
            "status": "pending",
            "attempts": 0,
            "max_attempts": 5,
            "available_at": now,
            "source_key": f"bench:{system_id}:{n}",
            "event_title": "",
            "created_at": now,
            "updated_at": now,
        }
        for n in range(count)
    ]
    with app.app_context():
        db.session.execute(insert(Command), rows)
        db.session.commit()
        db.engine.dispose()


def prepared(target: Target, name: str, count: int) -> tuple[str, Path]:
    """A new database holding ``count`` pending commands: its URL and an instance folder for processes using it."""
    url = target.new(name)
    instance = target.work / name
    seed(make_bench_app(instance, url), count)
    return url, instance


def check_exactly_once(name: str, delivered: list[int], count: int, url: str) -> None:
    duplicates = [cid for cid, seen in Counter(delivered).items() if seen > 1]
    assert not duplicates, f"{name}: {len(duplicates)} commands delivered twice"
    assert len(delivered) == count, f"{name}: {count - len(delivered)} commands never delivered"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        left = connection.execute(text("SELECT count(*) FROM commands WHERE status != 'completed'")).scalar_one()
    engine.dispose()
    assert left == 0, f"{name}: {left} commands not completed"


Statements = list[tuple[CompiledStatement, dict[str, Any]]]


@contextmanager
def raw_sqlite(url: str) -> Iterator[Callable[[Statements], list[tuple]]]:
    """Run statements in one BEGIN IMMEDIATE transaction on a bare sqlite3 connection (as the app does); the
    last one's rows."""
    connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=10)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")

    def run(statements: Statements) -> list[tuple]:
        connection.execute("BEGIN IMMEDIATE")
        for statement, values in statements:
            stored = {key: stored_text(v) if isinstance(v, datetime) else v for key, v in values.items()}
            rows = connection.execute(statement.sql, statement.params(**stored)).fetchall()
        connection.execute("COMMIT")
        return rows

    try:
        yield run
    finally:
        connection.close()


@contextmanager
def raw_postgresql(url: str) -> Iterator[Callable[[Statements], list[tuple]]]:
    """Run each statement as its own transaction on a bare autocommit psycopg connection (as the app does); the
    last one's rows."""
    connection = psycopg.connect(url, autocommit=True)

    def run(statements: Statements) -> list[tuple]:
        for statement, values in statements:
            stored = {key: v.replace(tzinfo=None) if isinstance(v, datetime) else v for key, v in values.items()}
            cursor = connection.execute(statement.sql, statement.params(**stored))
        return cursor.fetchall() if cursor.description else []

    try:
        yield run
    finally:
        connection.close()


def bench_raw(target: Target, name: str) -> float:
    """Baseline: the hot path's SQL (reap + claim per batch, one complete per command) on a bare connection."""
    url, _ = prepared(target, name, LOOP_COMMANDS)
    driver = raw_postgresql if target.postgresql else raw_sqlite
    queue = queue_sql("postgresql" if target.postgresql else "sqlite")
    result = Json({}) if target.postgresql else "{}"
    delivered: list[int] = []
    with driver(url) as run:
        started = time.perf_counter()
        while True:
            now = utcnow()
            rows = run(
                [
                    (queue.reap, {"now": now, "expired": LEASE_EXPIRED}),
                    (
                        queue.claim,
                        {"now": now, "lease_until": now + timedelta(seconds=300), "system_id": "bench", "limit": BATCH},
                    ),
                ]
            )
            if not rows:
                break
            for row in sorted(rows):
                run([(queue.complete, {"now": utcnow(), "result": result, "command_id": row[0]})])
                delivered.append(row[0])
        elapsed = time.perf_counter() - started
    check_exactly_once("raw", delivered, LOOP_COMMANDS, url)
    return LOOP_COMMANDS / elapsed


def bench_service(target: Target, name: str) -> float:
    """The service layer (what the API views call), one poller, batches of 10, claim + complete."""
    from app.extensions import db
    from app.services import commands

    url, instance = prepared(target, name, LOOP_COMMANDS)
    app = make_bench_app(instance, url)
    delivered: list[int] = []
    with app.app_context():
        started = time.perf_counter()
        while claimed := commands.claim_commands("bench", BATCH).commands:
            for command in claimed:
                commands.complete_command(command.id, {})
                delivered.append(command.id)
        elapsed = time.perf_counter() - started
        db.engine.dispose()
    check_exactly_once("service", delivered, LOOP_COMMANDS, url)
    return LOOP_COMMANDS / elapsed


def http_poller(port: int, delivered: list[int], errors: list[str], key: str = API_KEY) -> None:
    """One external system: keep-alive connection, poll a batch, complete each command, until empty."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    try:
        while True:
            connection.request("GET", f"/api/v1/commands/bench?limit={BATCH}", headers=headers)
            response = connection.getresponse()
            batch = json.loads(response.read())
            if response.status != 200 or not batch["commands"]:
                if response.status != 200:
                    errors.append(f"poll answered {response.status}")
                return
            for command in batch["commands"]:
                connection.request(
                    "POST", f"/api/v1/commands/{command['id']}/complete", body=b'{"ok": true}', headers=headers
                )
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors.append(f"complete answered {response.status}")
                delivered.append(command["id"])
    finally:
        connection.close()


def consumer_key(url: str, instance: Path) -> str:
    """A stored key with only the scope a consumer of the bench's system needs (commands:bench)."""
    from app.services import api_keys

    app = make_bench_app(instance, url)
    with app.app_context():
        return api_keys.create_key("bench consumer", ["commands:bench"]).key


def bench_http(target: Target, webs: int, scoped: bool = False, run: str = "") -> float:
    """HTTP_POLLERS pollers spread evenly over ``webs`` waitress processes sharing one database, polling with
    the configured admin key or (``scoped``) a stored commands:bench key."""
    name = f"http{webs}{'scoped' if scoped else ''}{run}"
    url, instance = prepared(target, name, HTTP_COMMANDS)
    key = consumer_key(url, instance) if scoped else API_KEY
    servers = [
        LiveServer(
            instance.with_name(f"{name}_web{number}"),
            API_KEY,
            with_daemon=False,
            database_url=url,
            CHRONOS__LOGGING__LEVEL="WARNING",
        )
        for number in range(webs)
    ]
    delivered: list[int] = []
    errors: list[str] = []
    try:
        for server in servers:
            server.start()
        pollers = [
            threading.Thread(target=http_poller, args=(servers[slot % webs].port, delivered, errors, key))
            for slot in range(HTTP_POLLERS)
        ]
        started = time.perf_counter()
        for poller in pollers:
            poller.start()
        for poller in pollers:
            poller.join()
        elapsed = time.perf_counter() - started
    finally:
        for server in servers:
            server.stop()
    assert not errors, errors[:5]
    check_exactly_once(name, delivered, HTTP_COMMANDS, url)
    return HTTP_COMMANDS / elapsed


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to measure, as postgresql://user@host:port/db "
        "(its databases bench_* are made and dropped); default SQLite",
    )
    parser.add_argument("--keys-only", action="store_true", help="only compare the admin key with a scoped key")
    arguments = parser.parse_args()
    server_url = arguments.database_url
    if server_url:
        server_url = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
    backend = "PostgreSQL" if server_url else "SQLite"
    with tempfile.TemporaryDirectory(prefix="chronos-bench-") as tmp, scratch_databases(server_url, Path(tmp)) as new:
        target = Target(Path(tmp), server_url, new)
        if arguments.keys_only:
            return 0 if compare_keys(target, backend) else 1
        return run_all(target, backend)


def run_all(target: Target, backend: str) -> int:
    raws, services = [], []
    for round_ in range(LOOP_ROUNDS):
        raws.append(bench_raw(target, f"raw{round_}"))
        services.append(bench_service(target, f"service{round_}"))
    raw, service = max(raws), max(services)
    driver = "psycopg" if target.postgresql else "sqlite3"
    print(
        f"[{backend}] raw {driver} claim loop: {raw:,.0f} commands/s (best of {LOOP_ROUNDS} x {LOOP_COMMANDS} "
        f"commands, batches of {BATCH}, reap + claim + complete, 0 duplicates)",
        flush=True,
    )
    ratio = raw / service
    ok = ratio <= SERVICE_FACTOR
    print(
        f"[{backend}] service layer: {service:,.0f} commands/s (best of {LOOP_ROUNDS} x {LOOP_COMMANDS} commands, "
        f"0 duplicates); raw/service = {ratio:.2f}x, target <= {SERVICE_FACTOR:.0f}x: {verdict(ok)}",
        flush=True,
    )
    for webs in (1, 2):
        over_http = bench_http(target, webs)
        ok_http = over_http >= HTTP_TARGET
        ok = ok and ok_http
        print(
            f"[{backend}] HTTP ({webs} waitress process{'es' if webs > 1 else ''}, {HTTP_POLLERS} pollers, "
            f"batches of {BATCH}): {over_http:,.0f} commands/s ({HTTP_COMMANDS} commands, 0 duplicates); "
            f"target >= {HTTP_TARGET:,.0f}/s: {verdict(ok_http)}",
            flush=True,
        )
    return 0 if compare_keys(target, backend) and ok else 1


def compare_keys(target: Target, backend: str) -> bool:
    """The same one-process HTTP run with the admin key and with a stored commands:bench key, alternating; the
    best of each: what checking a stored key and its scope adds."""
    admin, scoped = [], []
    for round_ in range(KEY_ROUNDS):
        admin.append(bench_http(target, 1, run=f"_a{round_}"))
        scoped.append(bench_http(target, 1, scoped=True, run=f"_s{round_}"))
    overhead = (max(admin) / max(scoped) - 1) * 100
    ok = overhead <= KEY_OVERHEAD_PERCENT
    print(
        f"[{backend}] HTTP with a stored commands:bench key: {max(scoped):,.0f} commands/s against {max(admin):,.0f} "
        f"with the admin key (best of {KEY_ROUNDS} each, alternating); authorization adds {overhead:+.1f}%, "
        f"target <= {KEY_OVERHEAD_PERCENT:.0f}%: {verdict(ok)}",
        flush=True,
    )
    return ok


if __name__ == "__main__":
    sys.exit(main())
