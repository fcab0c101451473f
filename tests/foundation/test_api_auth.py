"""Every /api/v1 route demands the bearer key, except the few public ones; checked over the URL map."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from app import create_app
from app.auth import is_public_endpoint
from tests.conftest import TEST_KEY, base_overrides

PUBLIC_PATHS = {"/api/v1/sync/health", "/api/v1/openapi.json"}
# Public, but checked by the route itself (Google's channel id and token): tests/push.
PUBLIC_POST_PATHS = {"/api/v1/google/notifications"}


def _api_routes():
    """(method, url, endpoint) for every /api/v1 rule, with sample values for path arguments."""
    import tempfile
    from pathlib import Path

    application = create_app(base_overrides(Path(tempfile.mkdtemp()) / "instance"))
    routes = []
    for rule in application.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        sample = {arg: 1 if isinstance(rule._converters[arg], IntegerConverter) else "sample" for arg in rule.arguments}
        url = rule.rule
        for arg, value in sample.items():
            url = url.replace(f"<{arg}>", str(value))
            for converter in ("int", "string", "path"):
                url = url.replace(f"<{converter}:{arg}>", str(value))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append(pytest.param(method, url, rule.endpoint, id=f"{method} {rule.rule}"))
    return routes


API_ROUTES = _api_routes()


@pytest.mark.parametrize(("method", "url", "endpoint"), API_ROUTES)
@pytest.mark.parametrize("header", [None, "Bearer wrong-key", "Basic dGVzdA==", f"Token {TEST_KEY}"])
def test_api_route_rejects_missing_or_wrong_key(client, app, method, url, endpoint, header):
    if is_public_endpoint(app.view_functions[endpoint]):
        assert url in PUBLIC_PATHS | PUBLIC_POST_PATHS
        return
    headers = {"Authorization": header} if header else {}
    response = client.open(url, method=method, headers=headers, json={} if method in {"POST", "PUT", "PATCH"} else None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["error"]["code"] == "unauthorized"


def test_the_route_list_is_not_empty():
    assert len(API_ROUTES) >= 1


@pytest.mark.parametrize("path", [*sorted(PUBLIC_PATHS), "/health"])
def test_public_routes_need_no_key(client, path):
    response = client.get(path)
    assert response.status_code in (200, 503)  # 503 = degraded (no daemon in this test), still public
    assert response.is_json
    assert TEST_KEY not in response.text


def test_right_key_is_accepted(client, auth):
    response = client.get("/api/v1/openapi.json", headers=auth)
    assert response.status_code == 200


def test_session_cookie_is_not_accepted_by_the_api(dashboard, app):
    protected = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        and "GET" in rule.methods
        and not rule.arguments
        and not is_public_endpoint(app.view_functions[rule.endpoint])
    ]
    for path in protected:
        assert dashboard.get(path).status_code == 401, path
