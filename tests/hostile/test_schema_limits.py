"""What the OpenAPI document allows the API accepts, and what the API refuses the document does not offer: text
PostgreSQL cannot store (NUL) is a 422 naming the field on every backend (these were 500s on PostgreSQL), fields
that take no null are documented without it, and the time fields state the formats and years they accept."""

from __future__ import annotations

import pytest

API = "/api/v1"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/notes?q=a%00b", "q"),
        ("/urls?q=a%00b", "q"),
        ("/templates?q=a%00b", "q"),
        ("/events?calendar=a%00b", "calendar.0"),
    ],
)
def test_a_nul_in_a_query_parameter_is_refused(client, auth, path, field):
    response = client.get(API + path, headers=auth)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"]["details"]["field"] == field


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/sync/calendar", {"calendar_id": "a\x00b"}, "calendar_id"),
        ("/events", {"title": "a\x00b", "start_time": "2030-01-01T09:00:00Z"}, "title"),
        ("/events", {"title": "x", "start_time": "2030-01-01T09:00:00Z", "location": "\x00"}, "location"),
        ("/templates", {"title": "x", "author": "\x00"}, "author"),
        ("/keys", {"name": "a\x00", "scopes": ["read"]}, "name"),
        ("/keys", {"name": "k", "scopes": ["commands:a\x00"]}, "scopes.0"),
    ],
)
def test_a_nul_in_a_body_field_is_refused(client, auth, path, body, field):
    response = client.post(API + path, json=body, headers=auth)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"]["details"]["field"] == field


def test_nulls_the_api_refuses_are_not_offered_by_the_document(client, auth):
    schemas = client.get(f"{API}/openapi.json").json["components"]["schemas"]
    patch = schemas["EventPatch"]["properties"]
    for name in ("title", "start_time", "all_day"):
        assert "anyOf" not in patch[name] or all(part.get("type") != "null" for part in patch[name]["anyOf"])
        assert patch[name].get("type") != "null"
    response = client.post(f"{API}/events", json={"title": "x", "start_time": "2030-01-01T09:00:00Z"}, headers=auth)
    for body in ({"title": None}, {"start_time": None}, {"all_day": None}):
        answer = client.patch(f"{API}/events/{response.json['id']}", json=body, headers=auth)
        assert answer.status_code == 422, body
    assert client.patch(f"{API}/events/{response.json['id']}", json={"end_time": None}, headers=auth).status_code == 200


def test_what_the_time_fields_accept_is_stated(client):
    schemas = client.get(f"{API}/openapi.json").json["components"]["schemas"]
    start = schemas["EventCreate"]["properties"]["start_time"]
    assert {part["format"] for part in start["anyOf"]} == {"date-time", "date"}
    assert start["pattern"] == "^[1-8][0-9]{3}-"


def _declared(client, method: str, path: str) -> set[str]:
    return set(client.get(f"{API}/openapi.json").json["paths"][API + path][method]["responses"])


def test_a_body_sent_to_a_route_without_one_is_checked_and_that_answer_is_documented(client, auth):
    response = client.post(f"{API}/commands/1/cancel", data="hello", content_type="text/plain", headers=auth)
    assert response.status_code == 415
    response = client.post(f"{API}/commands/1/cancel", data="{", content_type="application/json", headers=auth)
    assert response.status_code == 400
    assert {"400", "413", "415"} <= _declared(client, "post", "/commands/{command_id}/cancel")


def test_a_body_over_the_limit_is_413_as_documented(client, auth):
    body = '{"title": "' + "x" * (2 * 1024 * 1024) + '"}'
    response = client.post(f"{API}/events", data=body, content_type="application/json", headers=auth)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert "413" in _declared(client, "post", "/events")


def test_report_days_outside_the_supported_dates_are_refused(client, auth):
    response = client.get(f"{API}/analytics/productivity?start=0999-12-30&end=0999-12-31", headers=auth)
    assert response.status_code == 422
    assert response.json["error"]["details"]["field"] == "start"
    parameters = client.get(f"{API}/openapi.json").json["paths"][f"{API}/analytics/productivity"]["get"]["parameters"]
    start = next(parameter for parameter in parameters if parameter["name"] == "start")
    assert start["schema"]["pattern"] == "^[1-8][0-9]{3}-"
