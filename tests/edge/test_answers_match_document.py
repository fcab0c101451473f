"""Every real answer of every /api/v1 route matches the schema the OpenAPI document declares for its status.

One scenario drives each documented operation through the Flask test client with the admin key: its successes
and its usual errors (401, 404, 409, 422, 400 malformed JSON, 415 not JSON, 503). Each answer is then checked
against the document: its status must be declared, and its JSON must validate against the declared schema,
with `$ref`s resolved against the document's components. Objects are checked strictly (no key the document
does not name) and date-times must be the contract's UTC text ending in Z.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from app.db import write_transaction
from app.models import PushChannel
from app.services import commands, sync_jobs
from app.services.heartbeat import beat
from app.timeutil import format_utc, utcnow
from tests.conftest import TEST_KEY

API = "/api/v1"
MISSING_ID = 987654321
UTC_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")

# A body each operation accepts, so a missing id is what it answers (other operations accept {}).
VALID_BODIES = {
    ("post", "/commands/{command_id}/fail"): {"error": "x"},
    ("put", "/templates/{template_id}"): {"title": "x"},
    ("put", "/events/{event_id}"): {
        "title": "x",
        "start_time": "2030-01-01T09:00:00Z",
        "end_time": "2030-01-01T10:00:00Z",
    },
    ("post", "/events"): {"title": "x", "start_time": "2030-01-01T09:00:00Z"},
    ("patch", "/events/{event_id}"): {"title": "x"},  # a PATCH must change something
    ("patch", "/templates/{template_id}"): {"title": "x"},
    ("post", "/webhooks"): {"url": "http://127.0.0.1:9/hook", "events": ["event.created"]},
    ("patch", "/webhooks/{webhook_id}"): {"enabled": False},
}

FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(lambda value: not isinstance(value, str) or bool(UTC_TEXT.fullmatch(value)))
FORMATS.checks("date")(lambda value: not isinstance(value, str) or bool(DATE_TEXT.fullmatch(value)))


@dataclass
class Answer:
    method: str
    operation: str  # the document's path, e.g. /api/v1/events/{event_id}
    url: str
    status: int
    body: bytes


class Api:
    """Makes requests and keeps every answer for the document check."""

    def __init__(self, client) -> None:
        self.client = client
        self.answers: list[Answer] = []

    def __call__(
        self,
        method: str,
        operation: str,
        expect: int | None = None,
        *,
        key: bool = True,
        path: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        json_body: Any = None,
        raw: tuple[bytes, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        url = API + operation.format(**(path or {}))
        headers = {**({"Authorization": f"Bearer {TEST_KEY}"} if key else {}), **(headers or {})}
        options: dict[str, Any] = {"query_string": query, "headers": headers}
        if raw is not None:
            options.update(data=raw[0], content_type=raw[1])
        elif json_body is not None:
            options["json"] = json_body
        response = self.client.open(url, method=method, **options)
        self.answers.append(Answer(method.lower(), API + operation, url, response.status_code, response.data))
        if expect is not None:
            assert response.status_code == expect, f"{method} {url}: {response.status_code} {response.text}"
        return response.get_json(silent=True)


def strict(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every object schema closed: an answer may not carry a key its model does not name."""
    document = copy.deepcopy(document)

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(document["components"])
    close(document["paths"])
    return document


def problems_with(document: dict[str, Any], answers: list[Answer]) -> tuple[list[str], list[str]]:
    """(answers whose status the document does not declare, answers that do not match the declared schema)."""
    undocumented: list[str] = []
    mismatched: list[str] = []
    for answer in answers:
        operation = document["paths"][answer.operation][answer.method]
        declared = operation["responses"].get(str(answer.status))
        label = f"{answer.method.upper()} {answer.url} -> {answer.status}"
        if declared is None:
            undocumented.append(label)
            continue
        schema = declared.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            if answer.body:
                mismatched.append(f"{label}: a body where the document declares none")
            continue
        root = {"components": document["components"], **schema}
        errors = list(Draft202012Validator(root, format_checker=FORMATS).iter_errors(json.loads(answer.body)))
        mismatched.extend(f"{label}: {'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors)
    return undocumented, mismatched


def run_scenario(api: Api, app) -> None:
    """Each resource's successes and its usual errors, in an order where each step has what it needs."""
    soon = (utcnow() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)

    # Events, and entries a plugin turns into a note, a link and a command.
    event = api(
        "POST",
        "/events",
        201,
        json_body={
            "title": "Planning",
            "start_time": "2026-03-02T09:00:00Z",
            "attendees": ["ana@example.com"],
            "tags": ["work"],
        },
    )
    holiday = api("POST", "/events", 201, json_body={"title": "Holiday", "all_day": True, "start_time": "2026-03-03"})
    for title in ("NOTE: buy milk", "URL: https://example.com Example", "ACTION: REBOOT hub now"):
        api("POST", "/events", 202, json_body={"title": title, "start_time": "2026-03-02T12:00:00Z"})
    api("POST", "/events", 201, json_body={"title": "ACTION: FORMAT hub", "start_time": "2026-03-02T13:00:00Z"})
    api("POST", "/events", 422, json_body={"start_time": "2026-03-02T09:00:00Z"})
    api("POST", "/events", 422, json_body={"title": "x", "start_time": "yesterday"})
    for offset in (0, 30):  # two overlapping events: the optimizer has a conflict to report
        start = soon + timedelta(minutes=offset)
        api("POST", "/events", 201, json_body={"title": f"Clash {offset}", "start_time": format_utc(start)})
    api("GET", "/events", 200, query={"anchor": "2026-03-01", "range": 10})
    api("GET", "/events", 200, query={"anchor": "2026-03-01", "q": "Plan"})
    api("GET", "/events", 422, query={"range": 0})
    ids = {"event_id": event["id"]}
    api("GET", "/events/{event_id}", 200, path=ids)
    body = {"title": "Planning", "start_time": "2026-03-02T09:30:00Z", "end_time": "2026-03-02T10:30:00Z"}
    api("PUT", "/events/{event_id}", 200, path=ids, json_body=body)
    api("PUT", "/events/{event_id}", 422, path=ids, json_body={"title": "no times"})
    api("PATCH", "/events/{event_id}", 200, path=ids, json_body={"status": "completed"})
    api("PATCH", "/events/{event_id}", 422, path=ids, json_body={"status": "bogus"})
    api("DELETE", "/events/{event_id}", 204, path={"event_id": holiday["id"]})
    api("GET", "/notes", 200)
    api("GET", "/calendars", 200)
    key = api("POST", "/keys", 201, json_body={"name": "reader", "scopes": ["read"]})
    api("POST", "/keys", 422, json_body={"name": "odd", "scopes": ["everything"]})
    api("GET", "/keys", 200)
    api("DELETE", "/keys/{key_id}", 204, path={"key_id": key["id"]})
    api("GET", "/audit", 200)
    hook = api("POST", "/webhooks", 201, json_body={"url": "https://example.com/h", "events": ["event.starting"]})
    api("POST", "/webhooks", 422, json_body={"url": "ftp://example.com/h", "events": ["event.created"]})
    api("POST", "/webhooks", 422, json_body={"url": "https://example.com/h", "events": ["event.exploded"]})
    hid = {"webhook_id": hook["id"]}
    api("GET", "/webhooks", 200)
    api("PATCH", "/webhooks/{webhook_id}", 200, path=hid, json_body={"enabled": False})
    api("PATCH", "/webhooks/{webhook_id}", 422, path=hid, json_body={"enabled": "maybe"})
    api("POST", "/webhooks/{webhook_id}/test", 201, path=hid)
    api("GET", "/webhooks/{webhook_id}/deliveries", 200, path=hid)
    api("GET", "/webhooks/{webhook_id}/deliveries", 422, path=hid, query={"page_size": 0})
    api("DELETE", "/webhooks/{webhook_id}", 204, path=hid)
    api("GET", "/urls", 200, query={"q": "example"})

    # Templates.
    template = api("POST", "/templates", 201, json_body={"title": "Standup", "default_time": "09:30", "tags": ["team"]})
    tid = {"template_id": template["id"]}
    api("POST", "/templates", 422, json_body={"title": ""})
    api("GET", "/templates", 200, query={"q": "stand"})
    api("GET", "/templates/{template_id}", 200, path=tid)
    api("PUT", "/templates/{template_id}", 200, path=tid, json_body={"title": "Daily standup"})
    api("PATCH", "/templates/{template_id}", 200, path=tid, json_body={"duration_minutes": 15})
    api("PATCH", "/templates/{template_id}", 422, path=tid, json_body={"duration_minutes": 0})
    api("POST", "/templates/{template_id}/use", 200, path=tid)
    api("DELETE", "/templates/{template_id}", 204, path=tid)
    api("GET", "/templates/{template_id}", 404, path=tid)

    # The command queue: every transition, and the conflicts.
    made = [
        commands.create_command(system_id="nas", command="BACKUP", parameters={"n": n}, source_key=f"edge-{n}")[0].id
        for n in range(3)
    ]
    first, second, third = ({"command_id": cid} for cid in made)
    api("GET", "/commands", 200, query={"system_id": "nas"})
    api("GET", "/commands", 422, query={"status": "bogus"})
    api("GET", "/commands/{system_id}", 200, path={"system_id": "nas"}, query={"limit": 2})
    api("GET", "/commands/{system_id}", 422, path={"system_id": "nas"}, query={"limit": 0})
    api("POST", "/commands/{command_id}/complete", 200, path=first, json_body={"ok": True})
    api("POST", "/commands/{command_id}/complete", 200, path=first, json_body={"ok": True})
    api("POST", "/commands/{command_id}/fail", 409, path=first, json_body={"error": "late"})
    api("POST", "/commands/{command_id}/fail", 200, path=second, json_body={"error": "busy", "retry": True})
    api("POST", "/commands/{command_id}/fail", 422, path=second, json_body={"error": ""})
    api("POST", "/commands/{command_id}/cancel", 200, path=second)
    api("POST", "/commands/{command_id}/cancel", 409, path=second)
    api("POST", "/commands/{command_id}/complete", 409, path=third, json_body={})
    api("POST", "/commands/{command_id}/retry", 409, path=third)
    api("GET", "/commands/{system_id}", 200, path={"system_id": "nas"})
    api("POST", "/commands/{command_id}/fail", 200, path=third, json_body={"error": "disk full"})
    api("POST", "/commands/{command_id}/retry", 200, path=third)

    # Sync requests (no daemon runs here: a warning, and 503 for ?wait), then a job the test runs itself.
    job = api("POST", "/sync/calendar", 202, json_body={})
    api("POST", "/sync/calendar", 503, query={"wait": 5}, json_body={})
    api("POST", "/sync/calendar", 422, json_body={"days_ahead": 0})
    api("GET", "/sync/jobs/{job_id}", 200, path={"job_id": job["job_id"]})
    assert sync_jobs.run_next_queued_job()
    api("GET", "/sync/jobs/{job_id}", 200, path={"job_id": job["job_id"]})
    beat(utcnow(), 5)  # a daemon beats now: ?wait answers the finished job (a thread plays the daemon)
    worker = threading.Thread(target=run_one_job, args=(app,))
    worker.start()
    api("POST", "/sync/calendar", 200, query={"wait": 20}, json_body={"days_ahead": 2})
    worker.join()
    api("GET", "/sync/health", 200, key=False)

    # Google push notices: a channel the daemon would have opened, its handshake, a change, and forgeries.
    with write_transaction() as session:
        session.add(
            PushChannel(
                id="edge-channel",
                token="edge-token",
                calendar_id="primary",
                account="google",
                address="https://x.example.com/api/v1/google/notifications",
                state="active",
            )
        )
    notice = {"X-Goog-Channel-ID": "edge-channel", "X-Goog-Channel-Token": "edge-token"}
    api("POST", "/google/notifications", 200, key=False, headers={**notice, "X-Goog-Resource-State": "sync"})
    api("POST", "/google/notifications", 200, key=False, headers={**notice, "X-Goog-Resource-State": "exists"})
    forged = {**notice, "X-Goog-Channel-Token": "forged", "X-Goog-Resource-State": "exists"}
    api("POST", "/google/notifications", 404, key=False, headers=forged)

    # Analytics and the optimizer.
    api("GET", "/analytics/productivity", 200)
    api("GET", "/analytics/productivity", 200, query={"start": "2026-03-02", "end": "2026-03-08"})
    api("GET", "/analytics/productivity", 422, query={"days_back": 7, "start": "2026-03-02"})
    api("POST", "/ai/optimize", 200, json_body={})
    api("POST", "/ai/optimize", 200, json_body={"auto_apply": True})
    api("POST", "/ai/optimize", 422, query={"optimization_window_days": 0})

    api("GET", "/openapi.json", 200, key=False)


def run_one_job(app) -> None:
    """What the daemon does with a sync request: carry out the next queued job (waiting up to 10 s for it)."""
    with app.app_context():
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not sync_jobs.run_next_queued_job():
            time.sleep(0.05)


def run_generic_errors(api: Api, document: dict[str, Any]) -> None:
    """For every operation: no key (401), a missing and an invalid id (404, 422), and bad bodies (415, 400, 422)."""
    for template, operations in document["paths"].items():
        operation_path = template.removeprefix(API)
        for method, operation in operations.items():
            method = method.upper()
            ids = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            numeric = [name for name in ids if name.endswith("_id") and name != "system_id"]
            sample = {name: "nas" if name == "system_id" else 1 for name in ids}
            body = VALID_BODIES.get((method.lower(), operation_path), {}) if "requestBody" in operation else None
            if operation.get("security"):
                api(method, operation_path, 401, key=False, path=sample, json_body=body)
            if numeric:
                api(method, operation_path, 404, path=dict.fromkeys(numeric, MISSING_ID), json_body=body)
                api(method, operation_path, 422, path=dict.fromkeys(numeric, 0), json_body=body)
            if body is not None:
                api(method, operation_path, 415, path=sample, raw=(b"title=x", "application/x-www-form-urlencoded"))
                api(method, operation_path, 400, path=sample, raw=(b'{"title": ', "application/json"))
                if not operation_path.endswith("/complete"):  # its body is any JSON object
                    api(method, operation_path, 422, path=sample, json_body={"no_such_field": 1})


@pytest.fixture
def scenario(client, app) -> tuple[dict[str, Any], list[Answer]]:
    document = client.get(f"{API}/openapi.json").get_json()
    api = Api(client)
    run_scenario(api, app)
    run_generic_errors(api, document)
    return document, api.answers


def test_every_answer_matches_the_schema_declared_for_its_status(scenario):
    document, answers = scenario
    undocumented, mismatched = problems_with(strict(document), answers)
    assert undocumented == [], "statuses the routes give but do not declare:\n" + "\n".join(undocumented)
    assert mismatched == [], "answers that drifted from their response models:\n" + "\n".join(mismatched)


def test_every_operation_was_answered_with_a_success_and_its_errors(scenario):
    document, answers = scenario
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = {a.status for a in answers if a.operation == template and a.method == method}
            assert any(200 <= status < 300 for status in statuses), f"{method.upper()} {template}: no success"
            takes_input = operation.get("parameters") or "requestBody" in operation or operation.get("security")
            if takes_input:  # a public route without parameters has no usual error to give
                assert any(status >= 400 for status in statuses), f"{method.upper()} {template}: no error"
            if operation.get("security"):
                assert 401 in statuses, f"{method.upper()} {template}"


def test_a_drifted_answer_is_caught(scenario):
    """The check itself: an answer with a renamed key, a missing key, an offset time or an extra key fails."""
    document, answers = scenario
    event = next(a for a in answers if a.operation == f"{API}/events/{{event_id}}" and a.status == 200)
    original = json.loads(event.body)
    drifts = [
        {**{k: v for k, v in original.items() if k != "title"}, "name": original["title"]},
        {k: v for k, v in original.items() if k != "problems"},
        {**original, "start_time": original["start_time"].replace("Z", "+00:00")},
        {**original, "internal_note": "x"},
        {**original, "status": "SCHEDULED"},
    ]
    for drift in drifts:
        changed = Answer(event.method, event.operation, event.url, 200, json.dumps(drift).encode())
        assert problems_with(strict(document), [changed])[1], drift
    undeclared = Answer(event.method, event.operation, event.url, 418, b"{}")
    assert problems_with(strict(document), [undeclared])[0]
