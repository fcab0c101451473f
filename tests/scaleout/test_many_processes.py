"""Two web processes and two daemons on one database, as real processes against the fake Google server.

Each synced event is stored once, each ACTION entry becomes one command and one upstream delete, a sync
request posted to either web runs once, and a daemon killed with SIGKILL leaves the other carrying on
with /health healthy. Runs on the backend under test (SQLite: one file shared by all four processes).
"""

from __future__ import annotations

import json
import signal
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests import databases
from tests.conftest import TEST_KEY
from tests.fakes.google_calendar import FakeGoogle
from tests.support import LiveServer, google_env, wait_until
from tests.sync.helpers import soon, timed

CALENDARS = ("primary", "team")
PER_CALENDAR = 120
ACTIONS_PER_CALENDAR = 4


class Cluster:
    """The processes, the fake Google and a connection of the test's own to the shared database."""

    def __init__(self, fake: FakeGoogle, webs: list[LiveServer], engine: Engine) -> None:
        self.fake, self.webs, self.engine = fake, webs, engine

    def scalar(self, sql: str) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql)).scalar()

    def rows(self, sql: str) -> list[tuple]:
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]

    def deletes(self) -> Counter[str]:
        """How often each event was deleted upstream (by path)."""
        return Counter(call["path"] for call in self.fake.calls("delete"))


def api(server: LiveServer, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{server.url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TEST_KEY}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=70) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def add_entries(fake: FakeGoogle, calendar: str, count: int, actions: int, tag: str) -> None:
    for n in range(count):
        title = f"ACTION: BACKUP nas-{calendar}-{tag}-{n}" if n < actions else f"{calendar} {tag} meeting {n}"
        fake.add_event(calendar, **timed(title, soon(1 + n % 200)))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    fake = FakeGoogle(page_size=50).start()
    for calendar in CALENDARS:
        add_entries(fake, calendar, PER_CALENDAR, ACTIONS_PER_CALENDAR, "first")
    root = tmp_path_factory.mktemp("scaleout")
    url = databases.active().new(root / "a")
    webs: list[LiveServer] = []
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        for name in ("a", "b"):
            instance = root / name
            instance.mkdir(exist_ok=True)
            token = instance / "token.json"  # each machine keeps its own OAuth token file
            token.write_text(json.dumps(fake.token_info()))
            server = LiveServer(
                instance,
                TEST_KEY,
                database_url=url,
                **google_env(fake, token, CALENDARS),
                CHRONOS__SCHEDULER__SYNC_INTERVAL_MINUTES="60",
            )
            webs.append(server)
            server.start()
        yield Cluster(fake, webs, engine)
    finally:
        for server in webs:
            server.stop()
        engine.dispose()
        databases.active().drop(url)
        fake.stop()


def synced(cluster: Cluster) -> bool:
    """Both calendars synced without error and nothing left to send upstream."""
    states = cluster.rows("SELECT status, last_error FROM sync_state")
    return (
        len(states) == len(CALENDARS)
        and all(state == ("ok", None) for state in states)
        and cluster.scalar("SELECT count(*) FROM pending_upstream_ops") == 0
    )


def assert_stored_once(cluster: Cluster) -> None:
    """Every live upstream event stored once; every ACTION entry ever added one command and one delete."""
    live = {(calendar, event["id"]) for calendar in CALENDARS for event in cluster.fake.live(calendar)}
    stored = cluster.rows("SELECT calendar_id, external_id FROM events")
    assert len(stored) == len(set(stored)) and set(stored) == live
    with cluster.fake.lock:
        actions = {
            f"{calendar}:{event['id']}"
            for calendar in CALENDARS
            for event in cluster.fake.calendars[calendar].values()
            if event["summary"].startswith("ACTION:")
        }
    keys = [key for (key,) in cluster.rows("SELECT source_key FROM commands")]
    assert len(keys) == len(set(keys)) and set(keys) == actions
    deletes = cluster.deletes()
    assert len(deletes) == len(keys) and set(deletes.values()) == {1}  # each entry deleted upstream once
    assert {path.rsplit("/", 1)[1] for path in deletes} == {key.split(":", 1)[1] for key in keys}


def test_two_daemons_store_each_event_once_and_turn_each_action_into_one_command_and_delete(cluster):
    wait_until(
        lambda: synced(cluster) and cluster.scalar("SELECT count(*) FROM commands") >= 8,
        60,
        "the first scheduled sync of both calendars",
    )
    assert_stored_once(cluster)

    # New entries upstream, then syncs asked of both webs at once: both daemons work the same calendars.
    for calendar in CALENDARS:
        add_entries(cluster.fake, calendar, 30, 3, "second")
    jobs = [
        api(web, "POST", "/api/v1/sync/calendar", body)[1]["job_id"]
        for body in ({}, {"force_refresh": True}, {"calendar_id": "team"})
        for web in cluster.webs
    ]
    for job_id in jobs:
        wait_until(
            lambda job_id=job_id: (
                api(cluster.webs[0], "GET", f"/api/v1/sync/jobs/{job_id}")[1]["status"] in ("succeeded", "failed")
            ),
            90,
            f"sync job {job_id}",
        )
    results = [api(cluster.webs[1], "GET", f"/api/v1/sync/jobs/{job_id}")[1] for job_id in jobs]
    assert [(job["status"], job["error"]) for job in results] == [("succeeded", None)] * len(jobs)
    wait_until(lambda: synced(cluster), 30, "the upstream deletes of the new entries")
    assert_stored_once(cluster)


def test_a_sync_request_posted_to_either_web_runs_once(cluster):
    wait_until(lambda: synced(cluster), 60, "the first sync")
    listings = len([call for call in cluster.fake.calls("list") if "syncToken" in call["query"]])
    jobs = [
        api(cluster.webs[n % 2], "POST", "/api/v1/sync/calendar", {"calendar_id": CALENDARS[n % 2]}) for n in range(10)
    ]
    assert {status for status, _body in jobs} == {202}
    ids = [body["job_id"] for _status, body in jobs]
    assert len(set(ids)) == len(ids)

    def finished() -> list[dict] | None:
        found = [
            api(cluster.webs[(n + 1) % 2], "GET", f"/api/v1/sync/jobs/{job_id}")[1] for n, job_id in enumerate(ids)
        ]
        return found if all(job["status"] in ("succeeded", "failed") for job in found) else None

    results = wait_until(finished, 60, "the ten sync requests")
    assert [(job["status"], job["error"]) for job in results] == [("succeeded", None)] * len(ids)
    # Each request synced its one calendar incrementally: one listing each, none twice.
    incremental = [call for call in cluster.fake.calls("list") if "syncToken" in call["query"]]
    assert len(incremental) - listings == len(ids)


def test_a_daemon_killed_with_sigkill_leaves_the_other_carrying_on(cluster):
    def daemons(web: LiveServer) -> int:
        status, body = api(web, "GET", "/health")
        assert status == 200 and body["status"] == "healthy", body  # at every look, on both webs
        return body["scheduler"]["daemons"]

    wait_until(lambda: all(daemons(web) == 2 for web in cluster.webs), 30, "two daemons beating")
    victim = cluster.webs[0].processes[1]  # the first machine's daemon
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)

    wait_until(lambda: all(daemons(web) == 1 for web in cluster.webs), 30, "the dead daemon no longer counted")
    for calendar in CALENDARS:
        add_entries(cluster.fake, calendar, 5, 1, "third")
    status, job = api(cluster.webs[0], "POST", "/api/v1/sync/calendar?wait=60", {})
    assert status == 200 and (job["status"], job["error"]) == ("succeeded", None)
    assert job["events_consumed"] == len(CALENDARS)
    wait_until(lambda: synced(cluster), 30, "the upstream deletes after the kill")
    assert_stored_once(cluster)
    assert all(daemons(web) == 1 for web in cluster.webs)
