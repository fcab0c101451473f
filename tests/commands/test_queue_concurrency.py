"""Exactly-once delivery under concurrency, on the backend under test: pollers as threads, as processes, and over
HTTP through two real web processes on one database; leases that hold and leases that expire; racing state
changes. Pollers first each take one batch and wait for the others (so they really run side by side, however
the machine schedules them), then poll until the queue is empty."""

from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.errors import ConflictError
from app.services import commands
from tests.commands.queue_helpers import expire_leases, fetch, seed
from tests.conftest import TEST_KEY
from tests.support import LiveServer

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 500


def assert_delivered_exactly_once(deliveries: list[list[int]], ids: list[int], attempts: int = 1) -> None:
    everything = [cid for batch in deliveries for cid in batch]
    duplicates = [cid for cid, seen in Counter(everything).items() if seen > 1]
    assert duplicates == [], f"delivered more than once: {duplicates[:10]}"
    assert sorted(everything) == sorted(ids), "some commands were never delivered"
    assert all(deliveries), "a poller received nothing: the pollers did not run side by side"
    assert {fetch(cid).attempts for cid in random.sample(ids, min(25, len(ids)))} == {attempts}


def run_pollers(
    count: int,
    poll: Callable[[int, int], list[int]],
    ack: Callable[[int, int], None] | None,
) -> list[list[int]]:
    """Run ``count`` poller threads: each takes one batch, waits for the others to hold theirs, then polls
    until three polls in a row come back empty. ``poll(slot, limit)`` claims; ``ack(slot, id)`` (if given)
    completes. Returns the ids each poller received."""
    deliveries: list[list[int]] = [[] for _ in range(count)]
    errors: list[BaseException] = []
    first_batches_held = threading.Barrier(count, timeout=60)

    def poller(slot: int) -> None:
        try:
            claimed = poll(slot, random.randint(1, 10))
            first_batches_held.wait()
            empty_polls = 0
            while empty_polls < 3:
                deliveries[slot].extend(claimed)
                for cid in claimed:
                    if ack:
                        ack(slot, cid)
                claimed = poll(slot, random.randint(1, 10))
                empty_polls = 0 if claimed else empty_polls + 1
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)
            first_batches_held.abort()

    threads = [threading.Thread(target=poller, args=(slot,)) for slot in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)
    return deliveries


def in_app(app, work: Callable[..., Any]) -> Callable[..., Any]:
    """``work`` run inside an app context of its own (one per call, as a request would have)."""

    def run(*args: Any) -> Any:
        with app.app_context():
            return work(*args)

    return run


def claim_ids(system_id: str = "hub") -> Callable[[int, int], list[int]]:
    return lambda _slot, limit: [c.id for c in commands.claim_commands(system_id, limit).commands]


def test_twenty_threads_never_share_a_command(app):
    ids = seed(TOTAL)
    deliveries = run_pollers(
        20, in_app(app, claim_ids()), in_app(app, lambda slot, cid: commands.complete_command(cid, {"thread": slot}))
    )
    assert_delivered_exactly_once(deliveries, ids)
    counts = commands.status_counts("hub")
    assert counts["completed"] == TOTAL and counts["pending"] == counts["processing"] == 0


def test_four_pollers_in_one_process_never_receive_a_leased_command_twice(app):
    """Nobody acks: every lease holds to the end, so a command handed out twice would be a double delivery."""
    ids = seed(200)
    deliveries = run_pollers(4, in_app(app, claim_ids()), None)
    assert_delivered_exactly_once(deliveries, ids)
    assert commands.status_counts("hub")["processing"] == 200
    assert commands.claim_commands("hub", limit=100).count == 0


def test_expired_leases_are_redelivered_once_among_racing_pollers(app):
    """Every poll reaps before it claims: twenty pollers reaping and claiming at once hand each expired command
    to exactly one of them, with one more attempt."""
    ids = seed(200)
    while commands.claim_commands("hub", limit=100).count:
        pass
    expire_leases(*ids)
    deliveries = run_pollers(20, in_app(app, claim_ids()), None)
    assert_delivered_exactly_once(deliveries, ids, attempts=2)


def test_expired_leases_become_dead_letters_once_among_racing_reapers(make_app):
    application = make_app({"commands": {"max_attempts": 1}})
    with application.app_context():
        ids = seed(100)
        assert commands.claim_commands("hub", limit=100).count == 100
        expire_leases(*ids)
    reaped: list[int] = []
    claimed: list[int] = []
    start = threading.Barrier(8, timeout=60)

    def reaper() -> None:
        with application.app_context():
            start.wait()
            reaped.append(commands.reap_expired_leases())
            claimed.append(commands.claim_commands("hub", limit=100).count)

    threads = [threading.Thread(target=reaper) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(reaped) == 100 and claimed == [0] * 8  # each command moved once, and never handed out again
    with application.app_context():
        assert commands.status_counts("hub")["failed"] == 100
        assert {(fetch(cid).error, fetch(cid).attempts) for cid in ids} == {(commands.LEASE_EXPIRED, 1)}


def test_twenty_http_pollers_over_two_web_processes_never_share_a_command(app, database_url, tmp_path):
    ids = seed(1000)
    webs = [
        LiveServer(tmp_path / f"web{number}", TEST_KEY, with_daemon=False, database_url=database_url)
        for number in (1, 2)
    ]
    connections: dict[int, http.client.HTTPConnection] = {}
    served_by: list[Counter] = [Counter() for _ in webs]
    try:
        for web in webs:
            web.start()

        def call(slot: int, method: str, path: str, body: bytes | None = None) -> dict[str, Any]:
            web = webs[slot % 2]
            if slot not in connections:
                connections[slot] = http.client.HTTPConnection(urlsplit(web.url).hostname, web.port, timeout=30)
            connection = connections[slot]
            connection.request(
                method,
                f"/api/v1/commands{path}",
                body=body,
                headers={"Authorization": f"Bearer {TEST_KEY}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            answer = json.loads(response.read())
            assert response.status == 200, answer
            return answer

        def poll(slot: int, limit: int) -> list[int]:
            claimed = [c["id"] for c in call(slot, "GET", f"/hub?limit={limit}")["commands"]]
            served_by[slot % 2].update(claimed)
            return claimed

        def ack(slot: int, cid: int) -> None:
            assert call(slot, "POST", f"/{cid}/complete", b'{"slot": %d}' % slot)["status"] == "completed"

        deliveries = run_pollers(20, poll, ack)
    finally:
        for connection in connections.values():
            connection.close()
        for web in webs:
            web.stop()
    assert_delivered_exactly_once(deliveries, ids)
    assert all(served_by), "one of the web processes delivered nothing"
    counts = commands.status_counts("hub")
    assert counts["completed"] == 1000 and counts["pending"] == counts["processing"] == 0


def test_racing_fails_and_completes_change_a_command_once(app):
    """Ten fails and ten completes of one processing command at once: exactly one transition wins."""
    [cid] = seed(1)
    commands.claim_commands("hub")
    answers: list[tuple[str, Any]] = []
    start = threading.Barrier(20, timeout=60)

    def act(action: str) -> None:
        with app.app_context():
            start.wait()
            try:
                if action == "fail":
                    answers.append(("fail", commands.fail_command(cid, "gave up")))
                else:
                    answers.append(("complete", commands.complete_command(cid, {"by": "rival"})))
            except ConflictError as conflict:
                answers.append((action, conflict))

    threads = [threading.Thread(target=act, args=(action,)) for action in ["fail", "complete"] * 10]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    row = fetch(cid)
    fails_done = [answer for action, answer in answers if action == "fail" and isinstance(answer, commands.Failure)]
    completes_done = [
        answer for action, answer in answers if action == "complete" and isinstance(answer, commands.Completion)
    ]
    assert len(answers) == 20 and row.status in ("failed", "completed")
    if row.status == "failed":
        assert len(fails_done) == 1 and completes_done == []
        assert row.error == "gave up" and row.result is None
    else:
        assert fails_done == [] and len(completes_done) == 10  # repeating a complete answers the same
        assert len({answer.completed_at for answer in completes_done}) == 1 and row.error is None


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_racing_retries_or_cancels_succeed_once(app, action):
    [cid] = seed(1)
    if action == "retry":
        commands.claim_commands("hub")
        commands.fail_command(cid, "broken")
    change = commands.retry_command if action == "retry" else commands.cancel_command
    outcomes: list[tuple[str, str]] = []
    start = threading.Barrier(10, timeout=60)

    def act() -> None:
        with app.app_context():
            start.wait()
            try:
                outcomes.append(("changed", change(cid).status))
            except ConflictError as conflict:
                outcomes.append(("conflict", conflict.details["status"]))

    threads = [threading.Thread(target=act) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    after = "pending" if action == "retry" else "cancelled"
    assert sorted(outcomes) == [("changed", after)] + [("conflict", after)] * 9  # the 409s report the new state
    assert fetch(cid).status == after


def _spawn(instance: Path, mode: str, overrides: dict) -> subprocess.Popen:
    env = {name: value for name, value in os.environ.items() if not name.startswith("CHRONOS")}
    return subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("poller_process.py")),
            str(instance),
            mode,
            "hub",
            json.dumps(overrides),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**env, "PYTHONPATH": str(ROOT)},
    )


def _tell(processes: list[subprocess.Popen], line: str) -> None:
    for process in processes:
        process.stdin.write(line + "\n")
        process.stdin.flush()


def test_four_processes_never_share_a_command(app, database_url, tmp_path):
    ids = seed(TOTAL)
    on_this_database = {"database": {"url": database_url}}
    pollers = [_spawn(tmp_path / f"poller{number}", "poll", on_this_database) for number in range(4)]
    try:
        for process in pollers:
            assert process.stdout.readline().strip() == "ready"
        _tell(pollers, "go")
        for process in pollers:  # each holds its first batch: all four are polling side by side
            assert process.stdout.readline().strip() == "holding"
        _tell(pollers, "go on")
        deliveries = [json.loads(process.communicate(timeout=120)[0]) for process in pollers]
    finally:
        for process in pollers:
            process.kill() if process.poll() is None else None
    assert [process.returncode for process in pollers] == [0, 0, 0, 0]
    assert_delivered_exactly_once(deliveries, ids)
    assert commands.status_counts("hub")["completed"] == TOTAL


def test_crashed_poller_commands_come_back_after_the_lease(app, database_url, tmp_path):
    ids = seed(3)
    crashed = _spawn(tmp_path / "crashed", "crash", {"database": {"url": database_url}})
    taken = json.loads(crashed.communicate(timeout=60)[0])
    assert crashed.returncode == 3 and taken == ids
    assert commands.claim_commands("hub").count == 0  # still leased to the dead poller
    assert commands.reap_job() is False
    expire_leases(*ids)
    assert commands.reap_job() is True  # the daemon's reaper makes them visible again
    assert commands.status_counts("hub")["pending"] == 3
    redelivered = commands.claim_commands("hub").commands
    assert [c.id for c in redelivered] == ids and {c.attempts for c in redelivered} == {2}
