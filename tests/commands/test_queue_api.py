"""The command queue over HTTP: the contract's shapes, validation (422), wrong states (409), 404."""

from __future__ import annotations

import pytest

from tests.commands.queue_helpers import expire_leases, fetch, seed

BASE = "/api/v1/commands"
CLAIM_FIELDS = {"id", "command", "parameters", "status", "attempts", "created_at", "processed_at", "lease_expires_at"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.is_json
    assert response.json["error"]["code"] == code and response.json["error"]["message"]
    return response.json["error"]


def test_poll_claims_with_the_contract_shape(client, auth):
    ids = seed(12)
    response = client.get(f"{BASE}/hub", headers=auth)
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"system_id", "commands", "count", "retrieved_at"}
    assert body["system_id"] == "hub" and body["count"] == 10  # the default limit
    assert [c["id"] for c in body["commands"]] == ids[:10]
    for command in body["commands"]:
        assert set(command) == CLAIM_FIELDS
        assert command["status"] == "processing" and command["attempts"] == 1
        assert all(command[f].endswith("Z") for f in ("created_at", "processed_at", "lease_expires_at"))
    assert client.get(f"{BASE}/hub?limit=100", headers=auth).json["count"] == 2
    empty = client.get(f"{BASE}/hub", headers=auth).json
    assert (empty["commands"], empty["count"]) == ([], 0)


@pytest.mark.parametrize("limit", ["0", "101", "-5", "ten", "1.5"])
def test_poll_limit_out_of_range_is_422_naming_limit(client, auth, limit):
    seed(1)
    error = assert_error(client.get(f"{BASE}/hub?limit={limit}", headers=auth), 422, "validation_error")
    assert error["details"]["field"] == "limit"
    assert fetch(1).status == "pending"  # nothing was claimed


def test_poll_unknown_query_field_is_422(client, auth):
    error = assert_error(client.get(f"{BASE}/hub?limt=5", headers=auth), 422, "validation_error")
    assert error["details"]["field"] == "limt"


def test_complete_then_repeat(client, auth):
    [cid] = seed(1)
    client.get(f"{BASE}/hub", headers=auth)
    first = client.post(f"{BASE}/{cid}/complete", headers=auth, json={"exit_code": 0, "log": ["ok"]})
    assert first.status_code == 200
    assert set(first.json) == {"command_id", "status", "completed_at"} and first.json["status"] == "completed"
    again = client.post(f"{BASE}/{cid}/complete", headers=auth, json={"exit_code": 1})
    assert again.status_code == 200 and again.json == first.json
    assert fetch(cid).result == {"exit_code": 0, "log": ["ok"]}


def test_complete_without_a_body_stores_an_empty_result(client, auth):
    [cid] = seed(1)
    client.get(f"{BASE}/hub", headers=auth)
    assert client.post(f"{BASE}/{cid}/complete", headers=auth).status_code == 200
    assert fetch(cid).result == {}


def test_complete_body_must_be_an_object(client, auth):
    [cid] = seed(1)
    client.get(f"{BASE}/hub", headers=auth)
    assert_error(client.post(f"{BASE}/{cid}/complete", headers=auth, json=[1, 2]), 422, "validation_error")
    assert fetch(cid).status == "processing"


def test_complete_of_a_pending_command_is_409(client, auth):
    [cid] = seed(1)
    error = assert_error(client.post(f"{BASE}/{cid}/complete", headers=auth, json={}), 409, "invalid_state")
    assert error["details"]["status"] == "pending"


def test_fail_with_and_without_retry(client, auth):
    [retried, dead] = seed(2)
    client.get(f"{BASE}/hub", headers=auth)
    answer = client.post(
        f"{BASE}/{retried}/fail", headers=auth, json={"error": "busy", "retry": True, "retry_after": 60}
    ).json
    assert answer["status"] == "pending" and answer["attempts"] == 1 and answer["error"] == "busy"
    assert {"command_id", "status", "error", "failed_at", "attempts"} <= set(answer)
    answer = client.post(f"{BASE}/{dead}/fail", headers=auth, json={"error": "no such device"}).json
    assert answer["status"] == "failed" and answer["failed_at"].endswith("Z")
    assert client.get(f"{BASE}/hub", headers=auth).json["count"] == 0  # retried one is not due yet
    assert_error(client.post(f"{BASE}/{dead}/fail", headers=auth, json={"error": "x"}), 409, "invalid_state")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "error"),
        ({"error": ""}, "error"),
        ({"error": "x", "retry": "maybe"}, "retry"),
        ({"error": "x", "retry_after": -1}, "retry_after"),
        ({"error": "x", "extra": 1}, "extra"),
    ],
)
def test_fail_body_is_validated(client, auth, body, field):
    [cid] = seed(1)
    client.get(f"{BASE}/hub", headers=auth)
    error = assert_error(client.post(f"{BASE}/{cid}/fail", headers=auth, json=body), 422, "validation_error")
    assert error["details"]["field"] == field


def test_retry_and_cancel_answer_the_command(client, auth):
    [failed, pending] = seed(2)
    client.get(f"{BASE}/hub?limit=1", headers=auth)
    client.post(f"{BASE}/{failed}/fail", headers=auth, json={"error": "x"})
    retried = client.post(f"{BASE}/{failed}/retry", headers=auth)
    assert retried.status_code == 200
    assert retried.json["status"] == "pending" and retried.json["attempts"] == 0 and retried.json["id"] == failed
    cancelled = client.post(f"{BASE}/{pending}/cancel", headers=auth)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert_error(client.post(f"{BASE}/{pending}/cancel", headers=auth), 409, "invalid_state")
    assert_error(client.post(f"{BASE}/{pending}/retry", headers=auth), 409, "invalid_state")


@pytest.mark.parametrize("action", ["complete", "fail", "retry", "cancel"])
def test_unknown_command_is_404(client, auth, action):
    assert_error(
        client.post(f"{BASE}/999/{action}", headers=auth, json={"error": "x"} if action == "fail" else {}),
        404,
        "not_found",
    )


def test_list_filters_and_pagination(client, auth):
    seed(3)
    seed(2, system_id="nas")
    client.get(f"{BASE}/nas?limit=1", headers=auth)
    page = client.get(f"{BASE}?system_id=hub&page=2&page_size=2", headers=auth).json
    assert (page["page"], page["page_size"], page["total_count"]) == (2, 2, 3) and len(page["items"]) == 1
    item = page["items"][0]
    assert item["system_id"] == "hub" and item["status"] == "pending"
    for field in (
        "id",
        "command",
        "parameters",
        "attempts",
        "max_attempts",
        "available_at",
        "error",
        "result",
        "completed_at",
        "failed_at",
        "source",
        "lease_expires_at",
        "processed_at",
    ):
        assert field in item
    processing = client.get(f"{BASE}?status=processing", headers=auth).json
    assert processing["total_count"] == 1 and processing["items"][0]["system_id"] == "nas"
    assert fetch(processing["items"][0]["id"]).attempts == 1  # listing claims nothing
    assert client.get(f"{BASE}?status=processing", headers=auth).json["items"][0]["attempts"] == 1


@pytest.mark.parametrize("query", ["status=done", "page=0", "page_size=501", "sort=id"])
def test_list_query_is_validated(client, auth, query):
    assert_error(client.get(f"{BASE}?{query}", headers=auth), 422, "validation_error")


def test_expired_lease_is_redelivered_over_http(client, auth):
    [cid] = seed(1)
    client.get(f"{BASE}/hub", headers=auth)
    expire_leases(cid)
    assert client.get(f"{BASE}/hub", headers=auth).json["commands"][0]["attempts"] == 2


def test_openapi_documents_every_command_route(client):
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    expected = {
        f"{BASE}": "get",
        f"{BASE}/{{system_id}}": "get",
        f"{BASE}/{{command_id}}/complete": "post",
        f"{BASE}/{{command_id}}/fail": "post",
        f"{BASE}/{{command_id}}/retry": "post",
        f"{BASE}/{{command_id}}/cancel": "post",
    }
    for path, method in expected.items():
        operation = paths[path][method]
        assert "$ref" in str(operation["responses"]["200"]), path
        assert operation["security"] == [{"bearerAuth": []}]
    claim = paths[f"{BASE}/{{system_id}}"]["get"]
    limit = next(p for p in claim["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
    assert "409" in paths[f"{BASE}/{{command_id}}/fail"]["post"]["responses"]
    assert "FailBody" in document["components"]["schemas"]


@pytest.mark.parametrize(
    "method, path, body, field",
    [
        ("get", f"{BASE}/a%00b", None, "system_id"),
        ("get", f"{BASE}?system_id=a%00b", None, "system_id"),
        ("post", f"{BASE}/1/fail", {"error": "disk\x00full"}, "error"),
    ],
)
def test_nul_in_text_is_422_on_every_backend(client, auth, method, path, body, field):
    [cid] = seed(1)
    client.get(f"{BASE}/hub", headers=auth)
    error = assert_error(getattr(client, method)(path, headers=auth, json=body), 422, "validation_error")
    assert error["details"]["field"] == field
    assert fetch(cid).status == "processing"


def test_a_result_holding_an_escaped_nul_is_stored(client, auth):
    [cid] = seed(1)
    client.get(f"{BASE}/hub", headers=auth)
    assert client.post(f"{BASE}/{cid}/complete", headers=auth, json={"log": "a\x00b"}).status_code == 200
    assert fetch(cid).result == {"log": "a\x00b"}
