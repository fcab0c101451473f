"""Helpers of the dashboard browser tests: the JSON API for setting things up, screenshots on failure."""

from __future__ import annotations

import json
import re
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
FAILURE_SHOTS = ROOT / "test-results" / "e2e"


def api(server, method: str, path: str, body: dict | None = None) -> dict:
    """Call /api/v1 on the live server with the bearer key; the decoded JSON answer (or {} for 204)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{server.url}/api/v1{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {TEST_KEY}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def make_failed_command(server, system: str) -> int:
    """An ACTION: entry becomes a command; the system claims it and reports a final failure."""
    api(server, "POST", "/events", {"title": f"ACTION: NOTIFY {system} hello", "start_time": "2030-01-07T09:00:00Z"})
    (claimed,) = api(server, "GET", f"/commands/{system}?limit=1")["commands"]
    api(server, "POST", f"/commands/{claimed['id']}/fail", {"error": "device offline", "retry": False})
    return claimed["id"]


@contextmanager
def screenshot_on_failure(page, name: str):
    """Keep a full-page screenshot under test-results/e2e/ when the block fails, for the CI artefacts."""
    try:
        yield
    except BaseException:
        FAILURE_SHOTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^a-z0-9_-]+", "-", name.lower())
        page.screenshot(path=str(FAILURE_SHOTS / f"{safe}.png"), full_page=True)
        raise


def settle(page) -> None:
    """Wait until the page and its htmx requests are quiet (so navigating away aborts nothing): the load's
    network idle, and no element in an htmx request, swap or settle (htmx marks them with these classes)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def problems(page) -> list[str]:
    """Console errors (CSP violations among them), page errors and failed requests — except requests the
    browser itself abandoned because the test navigated on (net::ERR_ABORTED), which are no fault of the page."""
    return [message for message in page.problems.messages if "net::ERR_ABORTED" not in message]


# Every dashboard page (path, what its first heading says); {event}, {template} and {job} are filled in by seed().
DASHBOARD_PAGES = [
    ("today", "/", "Today"),
    ("events", "/events", "Events"),
    ("event-new", "/events/new", "New event"),
    ("event", "/events/{event}", "Phone review"),
    ("event-delete", "/events/{event}/delete", "Delete"),
    ("week", "/calendar/week", "Week of"),
    ("month", "/calendar/month", ""),
    ("templates", "/templates", "Templates"),
    ("template-edit", "/templates/{template}/edit", "Edit template"),
    ("template-use", "/templates/{template}/use", "Use"),
    ("commands", "/commands", "Command queue"),
    ("notes", "/notes", "Notes and links"),
    ("sync", "/sync", "Calendar sync"),
    ("sync-job", "/sync/jobs/{job}", "Sync"),
    ("analytics", "/analytics", "Analytics"),
    ("keys", "/keys", "API keys"),
    ("audit", "/audit", "Audit"),
    ("status", "/status/badge", "Status"),
    ("webhooks", "/webhooks", "Webhooks"),
    ("webhook-deliveries", "/webhooks/{webhook}", "Deliveries"),
]
# The pages with a table that turns into cards on a phone.
TABLE_PAGES = ["/events", "/commands", "/templates", "/keys", "/audit", "/sync", "/webhooks"]


def seed(server) -> dict[str, int]:
    """A row for every table (an upcoming event, a template, a failed command, a note, a key): the ids."""
    from datetime import UTC, datetime, timedelta

    start = (datetime.now(UTC) + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    event = api(
        server,
        "POST",
        "/events",
        {
            "title": "Phone review",
            "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end_time": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "location": "Room 4",
        },
    )
    template = api(server, "POST", "/templates", {"title": "Weekly planning", "default_time": "09:00"})
    make_failed_command(server, "phone-hub")
    api(server, "POST", "/events", {"title": "NOTE: bring the long cable", "start_time": "2030-01-07T09:00:00Z"})
    api(server, "POST", "/keys", {"name": "phone script", "scopes": ["read"]})
    job = api(server, "POST", "/sync/calendar", {"days_ahead": 7})
    hook = api(server, "POST", "/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["event.created"]})
    api(server, "POST", f"/webhooks/{hook['id']}/test")
    return {"event": event["id"], "template": template["id"], "job": job["job_id"], "webhook": hook["id"]}


def page_url(server, path: str, ids: dict[str, int]) -> str:
    return server.url + path.format(**ids)
