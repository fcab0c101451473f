"""Bad input answers a 4xx naming what is wrong, on the API and on dashboard pages; never a 500."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from app.api.validation import MAX_JSON_DEPTH, json_depth
from tests.conftest import csrf_token_from
from tests.support import LiveServer

API_KEY = "large-bodies-key-0123456789"

EDGE_TIMES = ["9999-12-31T23:30:00Z", "0001-01-01T00:00:00+05:00", "0999-12-31T23:59:59Z", "9000-01-01T00:00:00Z"]


def assert_validation_error(response, field: str) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["field"] == field


@pytest.mark.parametrize("moment", EDGE_TIMES)
def test_event_times_at_the_calendars_edges_are_refused(client, auth, moment):
    response = client.post("/api/v1/events", headers=auth, json={"title": "edge", "start_time": moment})
    assert_validation_error(response, "start_time")
    assert "supported dates" in response.get_json()["error"]["message"]


def test_an_end_at_the_edge_is_refused_too(client, auth):
    body = {"title": "edge", "start_time": "2026-01-01T09:00:00Z", "end_time": "9999-12-31T23:30:00Z"}
    assert_validation_error(client.post("/api/v1/events", headers=auth, json=body), "end_time")


def test_an_all_day_event_on_the_last_date_is_refused(client, auth):
    body = {"title": "edge", "start_time": "9999-12-31", "all_day": True}
    assert_validation_error(client.post("/api/v1/events", headers=auth, json=body), "start_time")


def test_dates_inside_the_range_still_work(client, auth):
    body = {"title": "far", "start_time": "8999-12-31T10:00:00Z", "end_time": "8999-12-31T11:00:00Z"}
    created = client.post("/api/v1/events", headers=auth, json=body)
    assert created.status_code == 201
    listed = client.get("/api/v1/events?anchor=8999-12-31&direction=all&range=3660", headers=auth)
    assert listed.status_code == 200
    assert [item["title"] for item in listed.get_json()["items"]] == ["far"]


@pytest.mark.parametrize(
    "query", ["anchor=9999-12-31", "anchor=0001-01-01&direction=past&range=3660", "anchor=9999-01-01&direction=all"]
)
def test_listing_windows_beyond_the_range_are_refused(client, auth, query):
    assert_validation_error(client.get(f"/api/v1/events?{query}", headers=auth), "anchor")


def test_a_nul_in_a_search_answers_200(client, auth):
    response = client.get("/api/v1/events?q=a%00b", headers=auth)
    assert response.status_code == 200
    assert response.get_json()["total_count"] == 0


def test_json_nested_a_thousand_deep_is_refused(client, auth):
    deep = "[" * 1000 + "]" * 1000
    response = client.post("/api/v1/events", headers={**auth, "Content-Type": "application/json"}, data=deep)
    assert_validation_error(response, "body")


def test_json_just_within_the_depth_limit_reaches_the_route(client, auth):
    """A command result may nest; MAX_JSON_DEPTH levels pass the body check (the route then judges it)."""
    nested: object = "leaf"
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = {"n": nested}
    body = {"title": "nested", "start_time": "2026-01-01T09:00:00Z", "attendees": [], "x": nested}
    assert json_depth(body) == MAX_JSON_DEPTH
    response = client.post("/api/v1/events", headers=auth, json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["field"] == "x"  # unknown field, not the depth


def test_json_depth_counts_levels():
    assert json_depth(1) == 0
    assert json_depth([]) == 1
    assert json_depth({"a": [1, {"b": []}]}) == 4


def test_a_patch_without_a_body_changes_nothing_and_says_so(client, auth):
    created = client.post("/api/v1/events", headers=auth, json={"title": "t", "start_time": "2026-01-01T09:00:00Z"})
    event_id = created.get_json()["id"]
    assert_validation_error(client.patch(f"/api/v1/events/{event_id}", headers=auth), "body")
    assert_validation_error(client.patch(f"/api/v1/events/{event_id}", headers=auth, json={}), "body")
    assert client.patch(f"/api/v1/events/{event_id}", headers=auth, json={"title": "u"}).status_code == 200


@pytest.mark.parametrize(
    "path", ["/calendar/week?start=9999-12-31", "/calendar/month?month=0001-01", "/events?anchor=9999-12-31"]
)
def test_dashboard_dates_beyond_the_range_answer_a_422_page(dashboard, path):
    response = dashboard.get(path)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "supported dates" in page and "Traceback" not in page


@pytest.mark.parametrize("path", ["/calendar/week?start=nonsense", "/calendar/month?month=13-2026", "/events?q=a%00b"])
def test_dashboard_malformed_parameters_fall_back(dashboard, path):
    assert dashboard.get(path).status_code == 200


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_dashboard_post_over_the_limit_answers_a_413_page(client, signed_in, request):
    if signed_in:
        request.getfixturevalue("dashboard")
    token = csrf_token_from(client.get("/login").get_data(as_text=True)) if not signed_in else ""
    response = client.post("/login", data={"api_key": "x" * (2 * 1024 * 1024), "csrf_token": token})
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)


def test_the_procfiles_web_process_refuses_large_bodies_before_buffering_them(tmp_path):
    """waitress itself (its plain-text 413, not the app's JSON) refuses a body over CHRONOS_MAX_REQUEST_BYTES,
    and the app refuses at the same size; smaller bodies pass."""
    limit = 64 * 1024
    server = LiveServer(tmp_path, API_KEY, with_daemon=False, CHRONOS_MAX_REQUEST_BYTES=str(limit)).start()
    try:
        status, content_type, _ = post_json(server.url, "x" * (limit + 1024))
        assert status == 413 and "json" not in content_type
        status, content_type, body = post_json(server.url, "x" * 15_000)  # within the description limit
        assert status == 201, body
    finally:
        server.stop()


def post_json(url: str, title_padding: str) -> tuple[int, str, str]:
    body = json.dumps({"title": "big", "start_time": "2026-01-01T09:00:00Z", "description": title_padding})
    request = urllib.request.Request(
        f"{url}/api/v1/events",
        data=body.encode(),
        method="POST",
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def test_a_whole_number_written_with_a_fraction_counts_as_an_integer(client, auth):
    """JSON Schema's integer includes 68.0; fractions, booleans and strings are still refused."""
    body = {"title": "Standup", "duration_minutes": 15.0}
    created = client.post("/api/v1/templates", headers=auth, json=body)
    assert created.status_code == 201 and created.get_json()["duration_minutes"] == 15
    for wrong in (15.5, True, "15"):
        refused = client.post("/api/v1/templates", headers=auth, json={**body, "duration_minutes": wrong})
        assert_validation_error(refused, "duration_minutes")
    optimized = client.post("/api/v1/ai/optimize", headers=auth, json={"optimization_window_days": 7.0})
    assert optimized.status_code == 200


def test_the_document_says_what_each_event_body_needs(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert set(schemas["EventCreate"]["required"]) == {"title", "start_time"}
    assert set(schemas["EventReplace"]["required"]) == {"title", "start_time", "end_time"}
    assert schemas["EventPatch"]["minProperties"] == 1 and schemas["TemplatePatch"]["minProperties"] == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/commands/10368218211824/cancel"),
        ("post", "/api/v1/commands/2147483648/complete"),
        ("get", "/api/v1/events/2147483648"),
        ("get", "/api/v1/templates/9223372036854775807"),
    ],
)
def test_ids_beyond_what_a_table_holds_are_not_found(client, auth, method, path):
    """PostgreSQL's integer keys stop at 2**31-1: a larger id is a 404 on both backends, never a 500."""
    response = getattr(client, method)(path, headers=auth, json={})
    assert response.status_code == 404
