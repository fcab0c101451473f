"""The OpenAPI document covers every /api/v1 route of the URL map, with the bearer scheme."""

from __future__ import annotations

import re

from app.auth import is_public_endpoint


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-zA-Z_]+)>", r"{\1}", rule)


def test_document_lists_every_api_route(client, app):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        documented = paths.get(_openapi_path(rule.rule), {})
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in documented:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_protected_operations_declare_bearer_and_errors(client, app):
    document = client.get("/api/v1/openapi.json").json
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    public = {
        _openapi_path(rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1") and is_public_endpoint(app.view_functions[rule.endpoint])
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path in public:
                assert not operation.get("security"), f"{method} {path} is public"
                continue
            assert operation.get("security") == [{"bearerAuth": []}], f"{method} {path}"
            assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorResponse"
            }


def test_document_is_public_and_reveals_no_secret(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    from tests.conftest import TEST_KEY

    assert TEST_KEY not in response.text
