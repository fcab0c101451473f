"""`chronos keys` and the dashboard's Keys page."""

from __future__ import annotations

import re

from app.services import api_keys, audit
from tests.conftest import csrf_token_from, log_in


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_cli_creates_lists_and_revokes_keys(app, client):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["keys", "create", "nas poller", "--scope", "commands:nas", "--scope", "read"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("chronos_")
    assert client.get("/api/v1/commands/nas", headers=bearer(key)).status_code == 200

    listed = runner.invoke(args=["keys", "list"])
    assert "nas poller" in listed.output and "commands:nas read" in listed.output and "active" in listed.output
    assert key not in listed.output

    key_id = re.match(r"Created key (\d+)", created.output).group(1)
    revoked = runner.invoke(args=["keys", "revoke", key_id])
    assert revoked.exit_code == 0 and "Revoked" in revoked.output
    assert client.get("/api/v1/commands/nas", headers=bearer(key)).status_code == 401
    assert "revoked" in runner.invoke(args=["keys", "list"]).output

    bad = runner.invoke(args=["keys", "create", "x", "--scope", "superuser"])
    assert bad.exit_code != 0 and "unknown scope 'superuser'" in bad.output
    assert runner.invoke(args=["keys", "revoke", "987654"]).exit_code != 0

    entries = [(e.key_name, e.channel, e.action, e.target_id) for e in audit.list_entries(1, 10)[0]]
    assert entries[:2] == [
        ("command line", "cli", "revoke_key", key_id),
        ("command line", "cli", "create_key", key_id),
    ]


def test_dashboard_creates_a_key_shown_once_with_a_copy_button(dashboard):
    page = dashboard.get("/keys")
    assert page.status_code == 200
    response = dashboard.post(
        "/keys", data={"name": "grafana", "scopes": "metrics read", "csrf_token": csrf_token_from(page.text)}
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    key = re.search(r'<code id="new-key"[^>]*>(chronos_[^<]+)</code>', response.text).group(1)
    assert 'data-copy-target="new-key"' in response.text
    # CSP forbids inline script: the copy button is wired by static/app.js.
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text) and "onclick" not in response.text
    assert dashboard.get("/api/v1/events", headers=bearer(key)).status_code == 200

    again = dashboard.get("/keys")
    assert key not in again.text and "grafana" in again.text and "metrics read" in again.text


def test_dashboard_refuses_an_unknown_scope_and_a_missing_csrf_token(dashboard):
    token = csrf_token_from(dashboard.get("/keys").text)
    refused = dashboard.post("/keys", data={"name": "x", "scopes": "root", "csrf_token": token})
    assert refused.status_code == 422 and "unknown scope" in refused.text
    assert dashboard.post("/keys", data={"name": "x", "scopes": "read"}).status_code == 400
    assert api_keys.list_keys() == []


def test_dashboard_revokes_a_key_with_csrf(dashboard):
    made = api_keys.create_key("old", ["read"])
    page = dashboard.get("/keys")
    assert dashboard.post(f"/keys/{made.row.id}/revoke", data={}).status_code == 400  # no CSRF token: nothing done
    assert dashboard.get("/api/v1/notes", headers=bearer(made.key)).status_code == 200
    response = dashboard.post(f"/keys/{made.row.id}/revoke", data={"csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 302
    assert dashboard.get("/api/v1/notes", headers=bearer(made.key)).status_code == 401
    assert "revoked" in dashboard.get("/keys").text


def test_only_admin_keys_sign_in_to_the_dashboard(client):
    reader = api_keys.create_key("reader", ["read", "write"]).key
    admin = api_keys.create_key("admin two", ["admin"]).key
    refused = log_in(client, key=reader)
    assert refused.status_code == 401 and "not an admin key" in refused.text
    assert log_in(client, key=admin).status_code == 302
    assert client.get("/").status_code == 200
