"""The webhooks API: create (secret once), list, enable/disable, test, delete, deliveries; validation 422s."""

from __future__ import annotations

import base64

import pytest

from app.services import api_keys

API = "/api/v1/webhooks"


def create(client, auth, **fields):
    body = {"url": "http://127.0.0.1:9/hook", "events": ["event.created"], **fields}
    return client.post(API, json=body, headers=auth)


def test_create_shows_the_secret_once_and_lists_without_it(client, auth):
    made = create(client, auth, events=["event.created", "event.starting"], calendars=["work"], offset_minutes=15)
    assert made.status_code == 201, made.text
    body = made.get_json()
    assert body["secret"].startswith("whsec_")
    assert 24 <= len(base64.b64decode(body["secret"].removeprefix("whsec_"))) <= 32
    assert (body["events"], body["calendars"], body["offset_minutes"], body["enabled"]) == (
        ["event.created", "event.starting"],
        ["work"],
        15,
        True,
    )
    listed = client.get(API, headers=auth).get_json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert "secret" not in listed[0]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "http://"}, "url"),
        ({"events": ["event.exploded"]}, "events"),
        ({"events": []}, "events"),
        ({"offset_minutes": -1}, "offset_minutes"),
        ({"offset_minutes": "5"}, "offset_minutes"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_fields_answer_422_naming_the_field(client, auth, fields, field):
    answer = create(client, auth, **fields)
    assert answer.status_code == 422, answer.text
    error = answer.get_json()["error"]
    assert field in str(error["details"])


def test_disable_enable_test_and_delete(client, auth):
    hook = create(client, auth).get_json()
    url = f"{API}/{hook['id']}"
    off = client.patch(url, json={"enabled": False}, headers=auth).get_json()
    assert (off["enabled"], off["disabled_reason"]) == (False, "disabled by a user")
    on = client.patch(url, json={"enabled": True}, headers=auth).get_json()
    assert (on["enabled"], on["disabled_reason"]) == (True, None)
    test = client.post(f"{url}/test", headers=auth)
    assert test.status_code == 201
    assert (test.get_json()["type"], test.get_json()["status"]) == ("webhook.test", "pending")
    page = client.get(f"{url}/deliveries", headers=auth).get_json()
    assert (page["total_count"], page["items"][0]["attempts"]) == (1, 0)
    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(f"{url}/deliveries", headers=auth).status_code == 404
    assert client.delete(url, headers=auth).status_code == 404


def test_changes_are_audited_and_need_the_admin_scope(client, auth):
    hook = create(client, auth).get_json()
    client.patch(f"{API}/{hook['id']}", json={"enabled": False}, headers=auth)
    actions = [item["action"] for item in client.get("/api/v1/audit", headers=auth).get_json()["items"]]
    assert actions[:2] == ["change_webhook", "create_webhook"]
    writer = api_keys.create_key("writer", ["write"]).key
    answer = client.get(API, headers={"Authorization": f"Bearer {writer}"})
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "insufficient_scope"
