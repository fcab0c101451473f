"""GET /api/v1/audit: changes through the API and the dashboard, with the key that made them, newest first."""

from __future__ import annotations

from app.services import api_keys, commands
from tests.conftest import csrf_token_from


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_api_and_dashboard_changes_are_recorded_with_their_key(client, auth, app):
    writer = api_keys.create_key("calendar script", ["write"]).key
    event = client.post(
        "/api/v1/events",
        json={"title": "Audit me", "start_time": "2030-01-01T10:00:00Z", "end_time": "2030-01-01T11:00:00Z"},
        headers=bearer(writer),
    ).json
    client.patch(f"/api/v1/events/{event['id']}", json={"title": "Audited"}, headers=bearer(writer))
    client.get("/api/v1/events", headers=bearer(writer))  # reads are not changes
    client.post("/api/v1/templates", json={}, headers=bearer(writer))  # refused (422): nothing changed
    assert client.post("/api/v1/keys", json={"name": "x", "scopes": ["read"]}, headers=bearer(writer)).status_code == (
        403
    )
    made = client.post("/api/v1/keys", json={"name": "ci", "scopes": ["read"]}, headers=auth).json
    client.delete(f"/api/v1/keys/{made['id']}", headers=auth)

    page = client.get("/login")
    client.post("/login", data={"api_key": auth["Authorization"].split()[1], "csrf_token": csrf_token_from(page.text)})
    form = client.get("/keys")
    client.post("/sessions/end-all", data={"csrf_token": csrf_token_from(form.text)})

    body = client.get("/api/v1/audit", headers=auth).json
    rows = [(i["key_name"], i["action"], i["target_type"], i["target_id"]) for i in body["items"]]
    assert rows == [
        ("api.api_key", "sessions_end_all", "session", None),
        ("api.api_key", "login", "login", None),
        ("api.api_key", "revoke_key", "key", str(made["id"])),
        ("api.api_key", "create_key", "key", str(made["id"])),
        ("calendar script", "patch_event", "event", str(event["id"])),
        ("calendar script", "create_event", "event", str(event["id"])),
    ]
    assert body["total_count"] == 6 and (body["page"], body["page_size"]) == (1, 50)
    assert all(item["at"].endswith("Z") for item in body["items"])
    second = client.get("/api/v1/audit?page=2&page_size=4", headers=auth).json
    assert [item["action"] for item in second["items"]] == ["patch_event", "create_event"]


def test_queue_acks_are_not_audited_and_the_log_is_admin_only(client, auth):
    command, _ = commands.create_command(system_id="hub", command="PING", parameters={}, source_key="audit:hub")
    poller = bearer(api_keys.create_key("hub", ["commands:hub"]).key)
    client.get("/api/v1/commands/hub", headers=poller)
    client.post(f"/api/v1/commands/{command.id}/complete", json={}, headers=poller)
    assert client.get("/api/v1/audit", headers=poller).status_code == 403
    reader = bearer(api_keys.create_key("reader", ["read"]).key)
    assert client.get("/api/v1/audit", headers=reader).status_code == 403
    assert [item["action"] for item in client.get("/api/v1/audit", headers=auth).json["items"]] == []


def test_the_dashboard_audit_page_lists_changes_newest_first_without_event_text(dashboard, auth):
    made = dashboard.post("/api/v1/keys", json={"name": "ci <script>", "scopes": ["read"]}, headers=auth).json
    dashboard.post(
        "/api/v1/events", json={"title": "Secret dinner", "start_time": "2030-01-01T19:00:00Z"}, headers=auth
    )
    page = dashboard.get("/audit")
    assert page.status_code == 200
    text = page.text
    assert text.index("create_event") < text.index("create_key")  # newest first
    assert f"key {made['id']}" in text and "Secret dinner" not in text
    assert 'href="/audit"' in dashboard.get("/").text  # in the navigation


def test_the_audit_log_filters_by_key_and_target(client, auth):
    writer = api_keys.create_key("calendar script", ["write"]).key
    first = client.post("/api/v1/events", json={"title": "a", "start_time": "2030-01-01T10:00:00Z"}, headers=auth).json
    client.post("/api/v1/events", json={"title": "b", "start_time": "2030-01-02T10:00:00Z"}, headers=bearer(writer))
    client.patch(f"/api/v1/events/{first['id']}", json={"title": "c"}, headers=bearer(writer))

    def listed(**query: str) -> list[tuple[str, str]]:
        body = client.get("/api/v1/audit", query_string=query, headers=auth).json
        return [(item["action"], item["target_id"]) for item in body["items"]]

    assert [action for action, _ in listed(key_name="calendar script")] == ["patch_event", "create_event"]
    assert [action for action, _ in listed(target_type="event", target_id=str(first["id"]))] == [
        "patch_event",
        "create_event",
    ]
    assert client.get("/api/v1/audit", query_string={"key_name": "nobody"}, headers=auth).json["total_count"] == 0
