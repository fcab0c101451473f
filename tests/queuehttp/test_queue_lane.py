"""The queue lane (app/api/queue_lane.py): it answers plain polls and completions without Flask, exactly as
Flask's routes would, and passes every other request to Flask."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from app.api.queue_lane import QueueLane
from app.services import api_keys
from tests.commands.queue_helpers import seed
from tests.conftest import TEST_KEY

BASE = "/api/v1/commands"


@pytest.fixture
def lane(app) -> QueueLane:
    installed = app.wsgi_app
    assert isinstance(installed, QueueLane)
    return installed


@pytest.fixture
def flask_calls(lane, monkeypatch) -> list[str]:
    """The paths of the requests the lane passed on to Flask (which still answers them)."""
    calls: list[str] = []
    flask_wsgi = lane.flask_wsgi

    def recorded(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return flask_wsgi(environ, start_response)

    monkeypatch.setattr(lane, "flask_wsgi", recorded)
    return calls


def through_flask(app, lane, monkeypatch):
    """A test client whose requests skip the lane, for Flask's own answer."""
    monkeypatch.setattr(app, "wsgi_app", lane.flask_wsgi)
    return app.test_client()


def test_plain_polls_and_completions_are_answered_by_the_lane(client, auth, flask_calls):
    ids = seed(3)
    consumer = {"Authorization": f"Bearer {api_keys.create_key('hub consumer', ['commands:hub']).key}"}
    claimed = client.get(f"{BASE}/hub?limit=2", headers=auth)
    assert claimed.status_code == 200
    assert [command["id"] for command in claimed.json["commands"]] == ids[:2]
    assert client.get(f"{BASE}/hub", headers=consumer).json["count"] == 1
    for number, command_id in enumerate(ids):
        headers = consumer if number % 2 else auth
        body = {"ok": True} if number else None  # an empty body reads as {}
        done = client.post(f"{BASE}/{command_id}/complete", json=body, headers=headers)
        assert (done.status_code, done.json["status"]) == (200, "completed")
    assert flask_calls == []
    listed = client.get(f"{BASE}?system_id=hub", headers=auth).json["items"]
    assert {(item["id"], item["status"]) for item in listed} == {(command_id, "completed") for command_id in ids}
    assert flask_calls == [BASE]  # the list is Flask's


def test_the_lane_answers_what_flask_answers(app, client, auth, lane, monkeypatch):
    (command_id,) = seed(1)
    assert client.get(f"{BASE}/hub", headers=auth).json["count"] == 1
    by_lane = [
        client.post(f"{BASE}/{command_id}/complete", json={"ok": 1}, headers=auth),
        client.post(f"{BASE}/{command_id}/complete", json={"ok": 1}, headers=auth),  # repeated: unchanged
        client.get(f"{BASE}/hub?limit=5", headers=auth),
    ]
    flask_client = through_flask(app, lane, monkeypatch)
    by_flask = [
        flask_client.post(f"{BASE}/{command_id}/complete", json={"ok": 1}, headers=auth),
        flask_client.get(f"{BASE}/hub?limit=5", headers=auth),
    ]
    first, again, empty = by_lane
    assert (first.status_code, first.json["command_id"], first.json["status"]) == (200, command_id, "completed")
    for ours, theirs in zip([again, empty], by_flask, strict=True):
        assert ours.status_code == theirs.status_code == 200
        assert ours.headers.to_wsgi_list() == theirs.headers.to_wsgi_list()
        assert {**ours.json, "retrieved_at": None} == {**theirs.json, "retrieved_at": None}
    assert again.data == by_flask[0].data  # byte for byte, the completion time included


UNUSUAL = [
    ("GET", "/hub?limit=0", None, {}, 422),
    ("GET", "/hub?limit=101", None, {}, 422),
    ("GET", "/hub?limit=ten", None, {}, 422),
    ("GET", "/hub?limit=5&page=2", None, {}, 422),
    ("GET", "/hub/", None, {}, 404),
    ("HEAD", "/hub", None, {}, 200),
    ("POST", "/{id}/complete", b"[1, 2]", {"Content-Type": "application/json"}, 422),
    ("POST", "/{id}/complete", b"{nope", {"Content-Type": "application/json"}, 400),
    ("POST", "/{id}/complete", b'{"a": 1}', {"Content-Type": "text/plain"}, 415),
    ("POST", "/{id}/complete", b"[" * 40 + b"]" * 40, {"Content-Type": "application/json"}, 422),
    ("POST", "/{pending}/complete", b"{}", {"Content-Type": "application/json"}, 409),
    ("POST", "/999999/complete", b"{}", {"Content-Type": "application/json"}, 404),
    ("POST", "/{id}/fail", b'{"error": "x"}', {"Content-Type": "application/json"}, 200),
]


@pytest.mark.parametrize(("method", "path", "body", "headers", "status"), UNUSUAL)
def test_anything_unusual_is_answered_by_flask(client, auth, flask_calls, method, path, body, headers, status):
    claimed, pending = seed(2)
    assert client.get(f"{BASE}/hub?limit=1", headers=auth).json["commands"][0]["id"] == claimed
    flask_calls.clear()
    url = BASE + path.format(id=claimed, pending=pending)
    response = client.open(url, method=method, data=body, headers={**auth, **headers})
    assert response.status_code == status, response.text
    assert flask_calls == [url.partition("?")[0]]
    if status >= 400 and method != "HEAD":
        assert response.json["error"]["code"]


@pytest.mark.parametrize("key", [None, "wrong-key-0123456789", "other"])
def test_keys_that_may_not_use_the_queue_are_refused_by_flask(client, auth, flask_calls, key):
    (command_id,) = seed(1)
    assert client.get(f"{BASE}/hub", headers=auth).json["count"] == 1
    if key == "other":
        key = api_keys.create_key("nas consumer", ["commands:nas"]).key
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    flask_calls.clear()
    poll = client.get(f"{BASE}/hub", headers=headers)
    done = client.post(f"{BASE}/{command_id}/complete", json={}, headers=headers)
    expected = 403 if key and not key.startswith("wrong") else 401
    assert (poll.status_code, done.status_code) == (expected, expected)
    assert len(flask_calls) == 2


def test_an_address_over_its_failure_limit_is_answered_by_flask(make_app, auth):
    throttled = make_app({"security": {"api_failures_per_minute": 2, "throttle_window_seconds": 60}})
    lane = throttled.wsgi_app
    assert isinstance(lane, QueueLane)
    recorded = []
    flask_wsgi = lane.flask_wsgi
    lane.flask_wsgi = lambda environ, start_response: recorded.append(1) or flask_wsgi(environ, start_response)
    while time.time() % 60 > 55:  # all requests below fall in one throttle window
        time.sleep(0.1)
    with throttled.app_context():
        seed(1)
        client = throttled.test_client()
        client.environ_base["REMOTE_ADDR"] = "192.0.2.77"  # an address no other test failed from
        wrong = {"Authorization": "Bearer wrong-key-0123456789"}
        for _ in range(2):
            assert client.get(f"{BASE}/hub", headers=wrong).status_code == 401
        refused = client.get(f"{BASE}/hub", headers=auth)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert len(recorded) == 3


def test_the_lane_counts_its_answers_in_the_request_metrics(client, auth, flask_calls):
    def answered() -> dict[str, float]:
        """The requests answered with 200, by method, as one scrape reports them."""
        prefix = "chronos_http_requests_total{"
        rows = [row for row in client.get("/metrics", headers=auth).text.splitlines() if row.startswith(prefix)]
        return {
            method: float(row.rpartition(" ")[2])
            for row in rows
            for method in ("GET", "POST")
            if f'method="{method}",status="200"' in row
        }

    (command_id,) = seed(1)
    before = answered()
    client.get(f"{BASE}/hub", headers=auth)
    client.post(f"{BASE}/{command_id}/complete", headers=auth)
    after = answered()
    assert after["GET"] == before.get("GET", 0) + 2  # the poll, and the scrape that read `before`
    assert after["POST"] == before.get("POST", 0) + 1
    assert flask_calls == ["/metrics", "/metrics"]  # only the scrapes went to Flask


SEGMENTS = st.one_of(
    st.from_regex(r"[0-9]{1,12}", fullmatch=True),
    st.sampled_from(["hub", "nas", "{completed}", "0", "007", "2147483648", "a b", "a/b", "%2F", "ü", "x" * 201]),
    st.text(min_size=0, max_size=12),
)
QUERIES = st.one_of(
    st.just(""), st.from_regex(r"limit=[0-9+\-. ]{0,5}", fullmatch=True), st.text(max_size=20).map(quote)
)
BODIES = st.one_of(
    st.none(),
    st.binary(max_size=30),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=10,
    ).map(lambda value: json.dumps(value).encode()),
)
CONTENT_TYPES = st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", "", "a/b+json"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "POST", "HEAD", "PUT"]),
    segment=SEGMENTS,
    complete=st.booleans(),
    query=QUERIES,
    body=BODIES,
    content_type=CONTENT_TYPES,
    key=st.sampled_from(["admin", "hub", "nas", "wrong", None]),
)
def test_any_request_gets_the_answer_flask_gives(
    app, lane, queue_keys, completed_id, method, segment, complete, query, body, content_type, key
):
    """Whatever a poll or a completion looks like, the lane answers it as Flask would (here on a queue where
    nothing is due and the one command is completed already, so that no request changes what the next sees)."""
    segment = quote(segment.replace("{completed}", str(completed_id)), safe="/")
    path = f"{BASE}/{segment}/complete" if complete else f"{BASE}/{segment}"
    headers = {"Content-Type": content_type} if content_type else {}
    if key:
        headers["Authorization"] = f"Bearer {queue_keys[key]}"

    def send(wsgi) -> tuple[int, list[tuple[str, str]], object]:
        response = Client(wsgi).open(path, method=method, query_string=query, data=body, headers=headers)
        answer = json.loads(response.data) if response.is_json and response.data else response.data
        if isinstance(answer, dict) and "retrieved_at" in answer:
            answer["retrieved_at"] = None
        return response.status_code, [h for h in response.headers.to_wsgi_list() if h[0] != "Content-Length"], answer

    ours, theirs = send(lane), send(lane.flask_wsgi)
    assert ours == theirs
    assert ours[0] < 500


@pytest.fixture
def queue_keys(app) -> dict[str, str]:
    return {
        "admin": TEST_KEY,
        "hub": api_keys.create_key("hub consumer", ["commands:hub"]).key,
        "nas": api_keys.create_key("nas consumer", ["commands:nas"]).key,
        "wrong": "wrong-key-0123456789",
    }


@pytest.fixture
def completed_id(client, auth) -> int:
    (command_id,) = seed(1)
    assert client.get(f"{BASE}/hub", headers=auth).json["count"] == 1
    assert client.post(f"{BASE}/{command_id}/complete", json={"ok": 1}, headers=auth).status_code == 200
    return command_id
