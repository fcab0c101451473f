"""Every error under /api/ is JSON in the contract's shape; HTML pages never leak there."""

from __future__ import annotations

from flask import abort

from app.api.base import api_blueprint
from app.api.schemas import StrictModel


class Echo(StrictModel):
    name: str


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


def test_unknown_route_is_json_404(client, auth):
    assert_error(client.get("/api/v1/does-not-exist", headers=auth), 404, "not_found")


def test_wrong_method_is_json_405(client, auth):
    response = client.delete("/api/v1/openapi.json", headers=auth)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def _echo_app(make_app):
    """An app with one extra JSON route, to exercise body handling before the resource routes exist."""
    bp = api_blueprint("echo_test", "Test")

    @bp.post("/echo-test")
    def echo(body: Echo):
        return {"name": body.name}

    @bp.get("/crash-test")
    def crash():
        raise RuntimeError("boom")

    @bp.get("/abort-test")
    def aborting():
        abort(409)

    application = make_app()
    application.register_api(bp)
    from app.extensions import csrf

    csrf.exempt(bp)
    return application


def test_malformed_json_is_400(make_app, auth):
    client = _echo_app(make_app).test_client()
    response = client.post("/api/v1/echo-test", data='{"name": ', headers={**auth, "Content-Type": "application/json"})
    assert_error(response, 400, "malformed_json")


def test_non_json_body_is_415(make_app, auth):
    client = _echo_app(make_app).test_client()
    response = client.post("/api/v1/echo-test", data="name=x", headers={**auth, "Content-Type": "text/plain"})
    assert_error(response, 415, "unsupported_media_type")


def test_oversize_body_is_413(make_app, auth):
    client = _echo_app(make_app).test_client()
    body = '{"name": "' + "x" * (1024 * 1024 + 10) + '"}'
    response = client.post("/api/v1/echo-test", data=body, headers={**auth, "Content-Type": "application/json"})
    assert_error(response, 413, "payload_too_large")


def test_validation_error_names_the_field(make_app, auth):
    client = _echo_app(make_app).test_client()
    error = assert_error(client.post("/api/v1/echo-test", json={}, headers=auth), 422, "validation_error")
    assert error["details"]["field"] == "name"
    error = assert_error(
        client.post("/api/v1/echo-test", json={"name": "a", "extra": 1}, headers=auth), 422, "validation_error"
    )
    assert error["details"]["field"] == "extra"
    assert "unknown field" in error["message"]


def test_valid_body_passes(make_app, auth):
    client = _echo_app(make_app).test_client()
    response = client.post("/api/v1/echo-test", json={"name": "ok"}, headers=auth)
    assert response.status_code == 200 and response.json == {"name": "ok"}


def test_unexpected_exception_is_generic_json_500_and_logged(make_app, auth, caplog):
    client = _echo_app(make_app).test_client()
    error = assert_error(client.get("/api/v1/crash-test", headers=auth), 500, "internal_error")
    assert "boom" not in error["message"]
    assert any("boom" in (record.exc_text or str(record.exc_info)) for record in caplog.records)


def test_http_abort_in_a_view_is_json(make_app, auth):
    client = _echo_app(make_app).test_client()
    assert_error(client.get("/api/v1/abort-test", headers=auth), 409, "conflict")


def test_dashboard_404_is_an_html_page_in_the_layout(dashboard):
    response = dashboard.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in response.text and 'class="topbar"' in response.text


def test_numbers_too_large_for_sqlite_are_client_errors(client, auth, dashboard):
    huge = "9" * 25
    for url in (
        f"/api/v1/events/{huge}",
        f"/api/v1/templates/{huge}",
        f"/api/v1/commands?page={huge}",
        f"/api/v1/notes?page={huge}",
        f"/api/v1/sync/jobs/{huge}",
    ):
        response = client.get(url, headers=auth)
        assert response.status_code in (404, 422), url
        assert response.is_json
    assert dashboard.get(f"/events/{huge}").status_code == 404
