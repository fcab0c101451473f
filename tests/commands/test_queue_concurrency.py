"""Exactly-once delivery while leases hold: 20 threads, then 4 processes, polling one system of 500 commands;
and a poller that crashes mid-processing gets its commands redelivered after the lease."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from app.services import commands
from tests.commands.queue_helpers import fetch, seed

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 500


def assert_delivered_exactly_once(deliveries: list[list[int]], ids: list[int]) -> None:
    everything = [cid for batch in deliveries for cid in batch]
    duplicates = [cid for cid, seen in Counter(everything).items() if seen > 1]
    assert duplicates == [], f"delivered more than once: {duplicates[:10]}"
    assert sorted(everything) == sorted(ids), "some commands were never delivered"
    assert sum(1 for batch in deliveries if batch) >= 2, "the pollers did not actually run side by side"
    counts = commands.status_counts("hub")
    assert counts["completed"] == TOTAL and counts["pending"] == counts["processing"] == 0
    assert {fetch(cid).attempts for cid in random.sample(ids, 25)} == {1}


def test_twenty_threads_never_share_a_command(app):
    ids = seed(TOTAL)
    start = threading.Barrier(20)
    deliveries: list[list[int]] = [[] for _ in range(20)]
    errors: list[BaseException] = []

    def poller(slot: int) -> None:
        try:
            with app.app_context():
                start.wait()
                empty_polls = 0
                while empty_polls < 3:
                    claimed = commands.claim_commands("hub", limit=random.randint(1, 10))["commands"]
                    empty_polls = 0 if claimed else empty_polls + 1
                    for command in claimed:
                        deliveries[slot].append(command["id"])
                        commands.complete_command(command["id"], {"thread": slot})
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=poller, args=(slot,)) for slot in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert_delivered_exactly_once(deliveries, ids)


def _spawn(instance: Path, mode: str, overrides: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("poller_process.py")), str(instance), mode, "hub",
         json.dumps(overrides or {})],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**_env(), "PYTHONPATH": str(ROOT)},
    )


def _env() -> dict[str, str]:
    import os

    return {name: value for name, value in os.environ.items() if not name.startswith("CHRONOS")}


def test_four_processes_never_share_a_command(app):
    ids = seed(TOTAL)
    instance = app.config["CHRONOS_SETTINGS"].instance_path
    pollers = [_spawn(instance, "poll") for _ in range(4)]
    try:
        for process in pollers:
            assert process.stdout.readline().strip() == "ready"
        start = time.time() + 0.5  # all four begin at this instant, whenever each reads the line
        for process in pollers:
            process.stdin.write(f"go {start}\n")
            process.stdin.flush()
        deliveries = [json.loads(process.communicate(timeout=60)[0]) for process in pollers]
    finally:
        for process in pollers:
            process.kill() if process.poll() is None else None
    assert [process.returncode for process in pollers] == [0, 0, 0, 0]
    assert_delivered_exactly_once(deliveries, ids)


def test_crashed_poller_commands_come_back_after_the_lease(make_app):
    short = {"commands": {"lease_seconds": 1}}
    application = make_app(short)
    with application.app_context():
        ids = seed(3)
        crashed = _spawn(application.config["CHRONOS_SETTINGS"].instance_path, "crash", short)
        taken = json.loads(crashed.communicate(timeout=60)[0])
        assert crashed.returncode == 3 and taken == ids
        assert commands.claim_commands("hub")["count"] == 0  # still leased to the dead poller
        time.sleep(1.1)
        assert commands.reap_job() is True  # the daemon's reaper makes them visible again
        assert commands.status_counts("hub")["pending"] == 3
        redelivered = commands.claim_commands("hub")["commands"]
        assert [c["id"] for c in redelivered] == ids and {c["attempts"] for c in redelivered} == {2}
