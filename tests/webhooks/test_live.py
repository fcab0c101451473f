"""Webhooks with the real processes: waitress and `python -m daemon` on one database, a receiver on 127.0.0.1.

Deliveries are verified with the Standard Webhooks library's own `verify`. Timings are waited for with
deadlines, never slept through; the sync interval is 30 minutes, so nothing here rides on a sync.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.conftest import TEST_KEY
from tests.support import ROOT, LiveServer

HEADERS = {"Authorization": f"Bearer {TEST_KEY}"}
# Late by at most this much (the contract says 5 s): the daemon re-reads the next due time every second.
ON_TIME_SECONDS = 5.0
QUICK = {
    "CHRONOS__SCHEDULER__SYNC_INTERVAL_MINUTES": "30",
    "CHRONOS__WEBHOOKS__RETRY_BASE_SECONDS": "0.2",
    "CHRONOS__WEBHOOKS__LEASE_SECONDS": "11",
}


class Live:
    """The web process, its daemons, and calls to its API."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.server.url}/api/v1{path}", headers=HEADERS, timeout=30, **kwargs)

    def webhook(self, url: str, events: list[str], **fields) -> dict:
        made = self.call("POST", "/webhooks", json={"url": url, "events": events, "calendars": ["local"], **fields})
        assert made.status_code == 201, made.text
        return made.json()

    def event(self, title: str, start: datetime, minutes: int = 60) -> dict:
        body = {"title": title, "start_time": _utc(start), "end_time": _utc(start + timedelta(minutes=minutes))}
        made = self.call("POST", "/events", json=body)
        assert made.status_code == 201, made.text
        return made.json()

    def daemon(self) -> subprocess.Popen:
        """Start one more daemon on the same database (stopped with the server)."""
        process = subprocess.Popen(
            [sys.executable, "-m", "daemon"], cwd=ROOT, env=self.server.env, stderr=subprocess.DEVNULL
        )
        self.server.processes.append(process)
        return process

    def deliveries(self, webhook_id: int) -> list[dict]:
        return self.call("GET", f"/webhooks/{webhook_id}/deliveries", params={"page_size": 500}).json()["items"]

    def wait_delivered(self, webhook_id: int, count: int, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            items = self.deliveries(webhook_id)
            if len(items) >= count and all(item["status"] == "delivered" for item in items):
                return items
            assert time.monotonic() < deadline, f"not all delivered in {timeout}s: {items[:3]}"
            time.sleep(0.2)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture
def live(app, database_url, tmp_path: Path):
    server = LiveServer(tmp_path / "live", TEST_KEY, database_url=database_url, **QUICK).start()
    yield Live(server)
    server.stop()


def test_created_updated_deleted_arrive_signed(live, receiver):
    hook = live.webhook(receiver.url, ["event.created", "event.updated", "event.deleted"])
    event = live.event("Board meeting", datetime.now(UTC) + timedelta(days=1))
    assert live.call("PATCH", f"/events/{event['id']}", json={"title": "Board meeting (moved)"}).status_code == 200
    assert live.call("DELETE", f"/events/{event['id']}").status_code == 204
    receiver.wait_for(lambda got: len(got) >= 3)
    bodies = [request.verified(hook["secret"]) for request in receiver.requests]
    # Senders work in parallel, so the order of arrival is not promised (each body carries its timestamp).
    assert sorted((body["type"], body["data"]["event"]["title"]) for body in bodies) == [
        ("event.created", "Board meeting"),
        ("event.deleted", "Board meeting (moved)"),
        ("event.updated", "Board meeting (moved)"),
    ]
    assert all(body["data"]["event"]["id"] == event["id"] for body in bodies)


def test_two_failures_are_retried_with_the_same_webhook_id(live, receiver):
    hook = live.webhook(receiver.url, ["event.created"])
    receiver.fail_next(2)
    live.event("Retried", datetime.now(UTC) + timedelta(days=1))
    receiver.wait_for(lambda got: len(got) >= 3)
    assert len({request.headers["webhook-id"] for request in receiver.requests}) == 1
    assert all(request.verified(hook["secret"])["type"] == "event.created" for request in receiver.requests)
    (delivery,) = live.wait_delivered(hook["id"], 1)
    assert (delivery["attempts"], delivery["last_status_code"]) == (3, 204)


def test_starting_fires_on_time_follows_moves_and_skips_deletes(live, receiver):
    """A 30-minute sync interval, and still: on time, at the moved time, and never for a deleted event."""
    hook = live.webhook(receiver.url, ["event.starting"], offset_minutes=1)
    now = datetime.now(UTC).replace(microsecond=0)
    # Times in seconds from now when each would fire; the move and the delete below take well under a second.
    due = now + timedelta(seconds=22)
    punctual = live.event("Punctual", due + timedelta(minutes=1))  # starting fires a minute before the start
    moved = live.event("Moved", now + timedelta(seconds=12) + timedelta(minutes=1))
    deleted = live.event("Deleted", now + timedelta(seconds=14) + timedelta(minutes=1))
    moved_due = now + timedelta(seconds=18)
    start = moved_due + timedelta(minutes=1)
    body = {"start_time": _utc(start), "end_time": _utc(start + timedelta(hours=1))}
    assert live.call("PATCH", f"/events/{moved['id']}", json=body).status_code == 200
    assert live.call("DELETE", f"/events/{deleted['id']}").status_code == 204
    receiver.wait_for(lambda got: len(got) >= 2, timeout=(due - datetime.now(UTC)).total_seconds() + 10)
    time.sleep(1)  # a third delivery (the deleted event, or a second one of the moved) would have come by now
    arrived = {request.verified(hook["secret"])["data"]["event"]["title"]: request.at for request in receiver.requests}
    assert sorted(arrived) == ["Moved", "Punctual"], arrived
    assert len(receiver.requests) == 2
    for title, when in (("Punctual", due), ("Moved", moved_due)):
        late = arrived[title] - when.timestamp()
        assert 0 <= late <= ON_TIME_SECONDS, (title, late)
    assert punctual["id"] != moved["id"]


def test_a_daemon_killed_mid_delivery_is_followed_by_another_attempt(live, receiver):
    """SIGKILL after the request went out but before its answer was recorded: delivered again, same id."""
    hook = live.webhook(receiver.url, ["event.created"])
    receiver.hold.set()
    live.event("Survives", datetime.now(UTC) + timedelta(days=1))
    receiver.wait_for(lambda got: len(got) >= 1)
    killed = live.server.processes[1]
    killed.kill()
    killed.wait()
    receiver.hold.clear()
    live.daemon()
    receiver.wait_for(lambda got: len(got) >= 2, timeout=30)  # once the killed daemon's lease has run out
    first, second = receiver.requests[:2]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert second.verified(hook["secret"])["data"]["event"]["title"] == "Survives"
    (delivery,) = live.wait_delivered(hook["id"], 1)
    assert delivery["attempts"] == 2


def test_two_daemons_never_send_one_attempt_twice(live, receiver):
    live.daemon()
    hook = live.webhook(receiver.url, ["event.created"])
    start = datetime.now(UTC) + timedelta(days=1)
    made = [live.event(f"Event {n}", start + timedelta(minutes=n)) for n in range(60)]
    live.wait_delivered(hook["id"], len(made))
    ids = [request.headers["webhook-id"] for request in receiver.requests]
    assert len(ids) == len(made) == len(set(ids))
    titles = sorted(request.verified(hook["secret"])["data"]["event"]["title"] for request in receiver.requests)
    assert titles == sorted(event["title"] for event in made)
