"""Google push with real processes: the web and daemons started from the Procfile, the fake Google sending
its notices over HTTP to the web process, scheduled syncs every 30 minutes (so only a push makes a change
appear quickly). Runs on the backend under test."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from app.data_copy import normalised_url
from tests import databases
from tests.conftest import TEST_KEY
from tests.fakes.google_calendar import FakeGoogle
from tests.support import ROOT, free_port, google_env, process_env, procfile_command, wait_for_http, wait_until
from tests.sync.helpers import soon, timed

CALENDARS = ("primary", "team")
NOTICES = "/api/v1/google/notifications"
# How long a pushed change may take to show up in the API (the daemon picks sync requests up within a second).
PUSH_DEADLINE = 15.0


class Site:
    """The fake Google, one database, a web process and a daemon (restartable with other calendars)."""

    def __init__(self, root: Path, fake: FakeGoogle) -> None:
        self.root, self.fake = root, fake
        self.instance = root / "instance"
        self.instance.mkdir(parents=True, exist_ok=True)
        self.token = self.instance / "token.json"
        self.token.write_text(json.dumps(fake.token_info()))
        self.database_url = databases.active().new(self.instance)
        self.engine: Engine = create_engine(normalised_url(self.database_url))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.web: subprocess.Popen | None = None
        self.daemons: list[subprocess.Popen] = []

    def env(self, calendars: tuple[str, ...]) -> dict[str, str]:
        return process_env(
            self.instance,
            TEST_KEY,
            PORT=str(self.port),
            CHRONOS_DATABASE_URL=self.database_url,
            **google_env(self.fake, self.token, calendars),
            CHRONOS__CALENDAR__GOOGLE__PUSH_URL=self.url,
            CHRONOS__SCHEDULER__SYNC_INTERVAL_MINUTES="30",
            CHRONOS__SCHEDULER__PUSH_CHANNELS_SECONDS="0.5",
        )

    def _start(self, name: str, calendars: tuple[str, ...]) -> subprocess.Popen:
        log = (self.root / f"{name}.log").open("ab")
        return subprocess.Popen(procfile_command(name), cwd=ROOT, env=self.env(calendars), stderr=log, stdout=log)

    def start(self, calendars: tuple[str, ...] = CALENDARS, daemons: int = 1) -> Site:
        self.web = self._start("web", calendars)
        wait_for_http(f"{self.url}/health")
        for _ in range(daemons):
            self.start_daemon(calendars)
        return self

    def start_daemon(self, calendars: tuple[str, ...]) -> None:
        self.daemons.append(self._start("daemon", calendars))

    def stop_daemons(self) -> None:
        for daemon in self.daemons:
            _stop(daemon)
        self.daemons = []

    def stop(self) -> None:
        self.stop_daemons()
        _stop(self.web)
        self.engine.dispose()
        databases.active().drop(self.database_url)

    def rows(self, sql: str) -> list[tuple]:
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]

    def scalar(self, sql: str) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql)).scalar()

    def channels(self) -> dict[str, tuple[str, str, str]]:
        """calendar id -> (channel id, token, state) of the stored channels."""
        return {row[0]: row[1:] for row in self.rows("SELECT calendar_id, id, token, state FROM push_channels")}

    def synced(self) -> bool:
        states = self.rows("SELECT calendar_id, status FROM sync_state")
        return sorted(states) == [(calendar, "ok") for calendar in sorted(CALENDARS)]

    def event_titles(self, calendar: str) -> set[str]:
        request = urllib.request.Request(
            f"{self.url}/api/v1/events?calendar={calendar}&direction=all&range=30",
            headers={"Authorization": f"Bearer {TEST_KEY}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return {item["title"] for item in json.loads(response.read())["items"]}


def _stop(process: subprocess.Popen | None) -> None:
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def all_open(site: Site, calendars: tuple[str, ...] = CALENDARS) -> bool:
    """Every calendar has an active stored channel that Google knows, and Google's handshake was answered 200."""
    stored = site.channels()
    live = site.fake.live_channels()
    if set(stored) != set(calendars) or any(state != "active" for _id, _token, state in stored.values()):
        return False
    shook = {n["channel_id"] for n in site.fake.notices if n["state"] == "sync" and n["status"] == 200}
    return all(channel_id in live and channel_id in shook for channel_id, _t, _s in stored.values())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    fake = FakeGoogle().start()
    for calendar in CALENDARS:
        fake.add_event(calendar, **timed(f"{calendar} kickoff", soon(2)))
    running = Site(tmp_path_factory.mktemp("push"), fake)
    try:
        running.start(daemons=2)  # two daemons share the channel work without opening anything twice
        wait_until(running.synced, 60, "the first sync of both calendars")
        wait_until(lambda: all_open(running), 30, "a channel per calendar, handshake answered")
        yield running
    finally:
        running.stop()
        fake.stop()


def post_notice(site: Site, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"{site.url}{NOTICES}", data=b"", method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_two_daemons_open_one_channel_per_calendar(site):
    stored = site.channels()
    assert set(stored) == set(CALENDARS)
    live = site.fake.live_channels()
    assert {live[channel_id]["calendar"] for channel_id, _t, _s in stored.values()} == set(CALENDARS)
    assert all(live[channel_id]["address"] == f"{site.url}{NOTICES}" for channel_id, _t, _s in stored.values())
    assert len(site.fake.calls("watch")) == len(CALENDARS)  # no duplicates, nothing reopened


def test_a_change_on_google_appears_within_seconds_through_the_push(site):
    pushed_before = site.scalar("SELECT count(*) FROM sync_jobs WHERE requested_by = 'push'")
    started = time.monotonic()
    event = site.fake.add_event("team", **timed("Pushed planning", soon(5)))

    wait_until(lambda: "Pushed planning" in site.event_titles("team"), PUSH_DEADLINE, "the pushed event")
    assert time.monotonic() - started < PUSH_DEADLINE
    assert site.scalar("SELECT count(*) FROM sync_jobs WHERE requested_by = 'push'") > pushed_before

    site.fake.update_event("team", event["id"], summary="Pushed planning, moved")
    wait_until(lambda: "Pushed planning, moved" in site.event_titles("team"), PUSH_DEADLINE, "the pushed rename")
    site.fake.cancel_event("team", event["id"])
    wait_until(lambda: not {"Pushed planning, moved"} & site.event_titles("team"), PUSH_DEADLINE, "the delete")
    answered = [n["status"] for n in site.fake.notices if n["state"] == "exists"]
    assert answered and set(answered) == {200}


def test_forged_notices_are_refused_and_queue_nothing(site):
    channel_id, token, _state = site.channels()["primary"]
    jobs = site.scalar("SELECT count(*) FROM sync_jobs")
    address = f"{site.url}{NOTICES}"

    assert site.fake.send_notice(address, channel_id, "not-the-token") == 404
    assert site.fake.send_notice(address, "00000000-0000-4000-8000-000000000000", token) == 404
    assert site.fake.send_notice(address, channel_id, None) == 404
    assert post_notice(site, {"X-Goog-Resource-State": "exists"}) == 404

    assert site.scalar("SELECT count(*) FROM sync_jobs") == jobs


def test_the_handshake_queues_nothing(site):
    channel_id, _token, _state = site.channels()["primary"]
    jobs = site.scalar("SELECT count(*) FROM sync_jobs")

    assert site.fake.notify(channel_id, "sync") == 200

    assert site.scalar("SELECT count(*) FROM sync_jobs") == jobs


def test_notices_of_a_calendar_are_deduplicated_while_its_sync_waits(site):
    channel_id, _token, _state = site.channels()["primary"]
    statuses = [site.fake.notify(channel_id) for _ in range(20)]
    assert set(statuses) == {200}
    queued = site.scalar(
        "SELECT count(*) FROM sync_jobs WHERE requested_by = 'push' AND calendar_id = 'primary' AND status = 'queued'"
    )
    assert queued <= 1
    wait_until(
        lambda: site.scalar("SELECT count(*) FROM sync_jobs WHERE status IN ('queued', 'running')") == 0,
        PUSH_DEADLINE,
        "the pushed syncs done",
    )


@pytest.fixture
def short_lived(tmp_path: Path) -> Iterator[Site]:
    """A site whose fake Google gives channels 6 seconds (renewed after 3)."""
    fake = FakeGoogle().start()
    fake.channel_seconds = 6
    running = Site(tmp_path, fake)
    try:
        running.start()
        wait_until(lambda: all_open(running), 30, "a channel per calendar")
        yield running
    finally:
        running.stop()
        fake.stop()


def test_channels_are_renewed_before_they_expire_and_the_old_ones_stopped(short_lived):
    site = short_lived
    first = {calendar: row[0] for calendar, row in site.channels().items()}

    def renewed() -> bool:
        stopped = {channel["id"] for channel in site.fake.stopped_channels}
        current = site.channels()
        return (
            set(first.values()) <= stopped
            and set(current) == set(CALENDARS)
            and all(current[c][0] != first[c] and current[c][2] == "active" for c in CALENDARS)
        )

    wait_until(renewed, 20, "new channels opened and the first ones stopped")
    live = site.fake.live_channels()
    assert not set(first.values()) & set(live)
    # Each stop came after its replacement was opened: the calendar was never without a channel.
    assert all(channel["others_live"] >= 1 for channel in site.fake.stopped_channels)

    # A change still arrives through the renewed channels.
    site.fake.add_event("primary", **timed("After renewal", soon(4)))
    wait_until(lambda: "After renewal" in site.event_titles("primary"), PUSH_DEADLINE, "the pushed event")


def test_the_channel_of_a_removed_calendar_is_stopped(short_lived):
    site = short_lived
    site.fake.channel_seconds = 3600  # no renewals from now on: only the removal stops a channel

    def long_lived() -> bool:
        live = site.fake.live_channels()
        far = time.time() * 1000 + 600_000
        return all_open(site) and all(live[row[0]]["expiration"] > far for row in site.channels().values())

    wait_until(long_lived, 20, "long-lived channels")
    team = site.channels()["team"][0]

    site.stop_daemons()
    site.start_daemon(("primary",))

    wait_until(lambda: set(site.channels()) == {"primary"}, 30, "the team channel forgotten")
    assert team in {channel["id"] for channel in site.fake.stopped_channels}
    assert {channel["calendar"] for channel in site.fake.live_channels().values()} == {"primary"}
