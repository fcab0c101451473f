"""Dashboard sessions end on the server: a cookie copied before logout (or revocation) signs nobody in."""

from __future__ import annotations

import re

import pytest
import requests

from app.services import api_keys
from tests.conftest import TEST_KEY, csrf_token_from, log_in
from tests.support import LiveServer


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def browser_with(app, cookie: str):
    """Another browser that holds a copy of someone's session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_a_cookie_captured_before_logout_stops_working_over_http(app, database_url):
    server = LiveServer(
        app.config["CHRONOS_SETTINGS"].instance_path, TEST_KEY, with_daemon=False, database_url=database_url
    )
    server.start()
    try:
        browser = requests.Session()
        page = browser.get(f"{server.url}/login", timeout=10)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        signed = browser.post(f"{server.url}/login", data={"api_key": TEST_KEY, "csrf_token": token}, timeout=10)
        assert signed.status_code == 200 and signed.url == f"{server.url}/"
        captured = browser.cookies.get("session")

        thief = requests.Session()
        thief.cookies.set("session", captured)
        assert thief.get(f"{server.url}/", allow_redirects=False, timeout=10).status_code == 200

        home = browser.get(f"{server.url}/", timeout=10)
        browser.post(f"{server.url}/logout", data={"csrf_token": csrf_token_from(home.text)}, timeout=10)
        assert browser.get(f"{server.url}/", allow_redirects=False, timeout=10).status_code == 302
        stolen = thief.get(f"{server.url}/", allow_redirects=False, timeout=10)
        assert stolen.status_code == 302 and "/login" in stolen.headers["Location"]
    finally:
        server.stop()


@pytest.fixture
def web(make_app):
    """An app whose requests each get their own app context, as under a real server (no context pushed here)."""
    return make_app()


def test_sign_out_everywhere_ends_every_session(web):
    client, other = web.test_client(), web.test_client()
    assert log_in(client).status_code == 302 and log_in(other).status_code == 302
    copy = browser_with(web, cookie_of(other))
    assert signed_in(client) and signed_in(other) and signed_in(copy)

    page = client.get("/keys")
    assert client.post("/sessions/end-all", data={}).status_code == 400  # CSRF protected: nothing ended
    assert signed_in(other)
    response = client.post("/sessions/end-all", data={"csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert not signed_in(client) and not signed_in(other) and not signed_in(copy)
    assert log_in(other).status_code == 302 and signed_in(other)  # signing in again works


def test_revoking_the_key_a_session_signed_in_with_ends_that_session_only(web):
    with web.app_context():
        admin = api_keys.create_key("second admin", ["admin"])
        admin_id = admin.row.id
    by_key, by_config = web.test_client(), web.test_client()
    assert log_in(by_key, key=admin.key).status_code == 302 and log_in(by_config).status_code == 302
    copy = browser_with(web, cookie_of(by_key))

    with web.app_context():
        api_keys.revoke_key(admin_id)
    assert not signed_in(by_key) and not signed_in(copy)
    assert signed_in(by_config)
    assert log_in(by_key, key=admin.key).status_code == 401


def test_changing_the_configured_key_ends_the_sessions_signed_in_with_it(make_app):
    first = make_app()
    browser = first.test_client()
    assert log_in(browser).status_code == 302 and signed_in(browser)
    cookie = cookie_of(browser)

    rotated = make_app({"api": {"api_key": "a-brand-new-key-456"}})  # same database and secret, new admin key
    assert not signed_in(browser_with(rotated, cookie))
    fresh = rotated.test_client()
    assert log_in(fresh, key="a-brand-new-key-456").status_code == 302 and signed_in(fresh)
