"""Scopes: every /api/v1 route declares one, and each kind of key gets exactly what the contract gives it."""

from __future__ import annotations

import re

import pytest

from app.auth import is_public_endpoint
from app.scopes import ADMIN, COMMANDS, PUBLIC, READ, ROUTE_SCOPES, WRITE, allows, is_valid_scope
from app.services import api_keys, commands
from tests.conftest import TEST_KEY

# Contract §11, written out independently of app.scopes: the scope each route needs.
WRITE_PREFIXES = ("/api/v1/events", "/api/v1/templates", "/api/v1/notes", "/api/v1/urls", "/api/v1/sync", "/api/v1/ai")
COMMAND_ROUTES = {
    ("GET", "/api/v1/commands/<string:system_id>"),
    ("POST", "/api/v1/commands/<int:command_id>/complete"),
    ("POST", "/api/v1/commands/<int:command_id>/fail"),
}
PUBLIC_ROUTES = {
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/sync/health"),
    ("POST", "/api/v1/google/notifications"),
}


def expected_scope(method: str, rule: str) -> str:
    if (method, rule) in PUBLIC_ROUTES:
        return PUBLIC
    if (method, rule) in COMMAND_ROUTES:
        return COMMANDS
    if rule.startswith(("/api/v1/keys", "/api/v1/audit", "/api/v1/webhooks")):
        return ADMIN
    if method == "GET":
        return READ
    if rule.startswith(WRITE_PREFIXES):
        return WRITE
    return ADMIN


def api_routes(app) -> list[tuple[str, str, str]]:
    """(method, rule, endpoint) of every /api/v1 route."""
    return sorted(
        (method, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_api_route_declares_its_scope_and_the_contracts_scope(app):
    routes = api_routes(app)
    undeclared = [endpoint for _method, _rule, endpoint in routes if endpoint not in ROUTE_SCOPES]
    assert undeclared == [], "add these endpoints to app.scopes.ROUTE_SCOPES"
    wrong = [
        (method, rule, ROUTE_SCOPES[endpoint])
        for method, rule, endpoint in routes
        if ROUTE_SCOPES[endpoint] != expected_scope(method, rule)
    ]
    assert wrong == []
    public_marked = {endpoint for _m, _r, endpoint in routes if is_public_endpoint(app.view_functions[endpoint])}
    assert public_marked == {endpoint for _m, _r, endpoint in routes if ROUTE_SCOPES[endpoint] == PUBLIC}
    assert len(routes) >= 30


def test_scope_names_are_checked():
    for good in ("admin", "read", "write", "metrics", "commands:home-hub", "commands:*", "commands:a b"):
        assert is_valid_scope(good), good
    for bad in ("", "Admin", "root", "commands", "commands:", "read ", "commands:\x00x", "commands:" + "x" * 201):
        assert not is_valid_scope(bad), bad
    assert allows({"write"}, READ) and not allows({"read"}, WRITE) and not allows({"read"}, COMMANDS, "a")
    assert allows({"commands:a"}, COMMANDS, "a") and not allows({"commands:a"}, COMMANDS, "b")
    assert allows({"commands:*"}, COMMANDS, "b") and allows({"admin"}, COMMANDS, "b")


SYSTEM = "alpha"


def concrete_path(rule: str, command_id: int) -> str:
    """A URL for a rule: the alpha system, its command, and ids that exist nowhere for the rest."""
    path = rule.replace("<string:system_id>", SYSTEM).replace("<int:command_id>", str(command_id))
    return re.sub(r"<int:\w+>", "987654", path)


@pytest.fixture
def keys(app) -> dict[str, str | None]:
    made = {
        name: api_keys.create_key(f"{name} key", [scope]).key
        for name, scope in [
            ("admin", "admin"),
            ("read", "read"),
            ("write", "write"),
            ("commands", f"commands:{SYSTEM}"),
            ("metrics", "metrics"),
        ]
    }
    return {**made, "config": TEST_KEY, "none": None}


def allowed_for(principal: str, needed: str) -> bool:
    return {
        "admin": True,
        "config": True,
        "read": needed in (PUBLIC, READ),
        "write": needed in (PUBLIC, READ, WRITE),
        "commands": needed in (PUBLIC, COMMANDS),
        "metrics": needed == PUBLIC,
        "none": needed == PUBLIC,
    }[principal]


def test_scope_matrix_every_route_and_every_kind_of_key(app, client, keys):
    command, _ = commands.create_command(system_id=SYSTEM, command="PING", parameters={}, source_key="matrix:alpha")
    mismatches = []
    for method, rule, _endpoint in api_routes(app):
        needed = expected_scope(method, rule)
        for principal, key in keys.items():
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
            response = client.open(concrete_path(rule, command.id), method=method, headers=headers, **body)
            if allowed_for(principal, needed):
                ok = response.status_code not in (401, 403, 429)
            elif key is None:
                ok = response.status_code == 401 and response.headers.get("WWW-Authenticate", "").startswith("Bearer")
            else:
                ok = response.status_code == 403 and response.json["error"]["code"] == "insufficient_scope"
            if not ok:
                mismatches.append((method, rule, principal, response.status_code))
    assert mismatches == []


def test_a_queue_key_reaches_its_own_systems_commands_only(client, app):
    mine, _ = commands.create_command(system_id="alpha", command="PING", parameters={}, source_key="own:alpha")
    theirs, _ = commands.create_command(system_id="beta", command="PING", parameters={}, source_key="own:beta")
    alpha = {"Authorization": f"Bearer {api_keys.create_key('alpha', ['commands:alpha']).key}"}
    any_system = {"Authorization": f"Bearer {api_keys.create_key('all', ['commands:*']).key}"}

    assert client.get("/api/v1/commands/beta", headers=alpha).status_code == 403
    refused = client.post(f"/api/v1/commands/{theirs.id}/complete", json={}, headers=alpha)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "insufficient_scope"
    assert client.post(f"/api/v1/commands/{theirs.id}/fail", json={"error": "x"}, headers=alpha).status_code == 403
    assert client.post("/api/v1/commands/987654/complete", json={}, headers=alpha).status_code == 404
    assert client.post(f"/api/v1/commands/{mine.id}/retry", headers=alpha).status_code == 403

    claimed = client.get("/api/v1/commands/alpha", headers=alpha).json
    assert [item["id"] for item in claimed["commands"]] == [mine.id]
    assert client.post(f"/api/v1/commands/{mine.id}/complete", json={"ok": 1}, headers=alpha).json["status"] == (
        "completed"
    )
    assert [item["id"] for item in client.get("/api/v1/commands/beta", headers=any_system).json["commands"]] == [
        theirs.id
    ]
    assert client.get("/api/v1/commands", headers=any_system).status_code == 403  # the list is read scope
    # beta's command is now claimed (its system remembered from the claim): alpha's key is still refused
    assert client.post(f"/api/v1/commands/{theirs.id}/complete", json={}, headers=alpha).status_code == 403


def test_insufficient_scope_names_the_scope_needed(client, app):
    reader = {"Authorization": f"Bearer {api_keys.create_key('reader', ['read']).key}"}
    response = client.post("/api/v1/templates", json={"title": "x"}, headers=reader)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "insufficient_scope"
    assert response.json["error"]["details"] == {"required_scope": "write"}
    assert "write" in response.json["error"]["message"]
