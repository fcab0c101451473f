"""The Google connect flow in a real browser against the fake: authorize redirect -> callback -> connected."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import TEST_KEY
from tests.e2e.conftest import sign_in
from tests.fakes.google_calendar import FakeGoogle
from tests.support import LiveServer


@pytest.fixture
def google_server(tmp_path: Path):
    fake = FakeGoogle().start()
    credentials = tmp_path / "credentials.json"
    token = tmp_path / "token.json"
    server = LiveServer(
        tmp_path / "instance",
        TEST_KEY,
        with_daemon=False,
        CHRONOS_CALENDAR_SOURCE="google",
        CHRONOS__CALENDAR__CREDENTIALS_FILE=str(credentials),
        CHRONOS__CALENDAR__TOKEN_FILE=str(token),
        CHRONOS__CALENDAR__GOOGLE__API_ENDPOINT=fake.api_endpoint,
        CHRONOS__CALENDAR__GOOGLE__TOKEN_URI=fake.token_uri,
        OAUTHLIB_INSECURE_TRANSPORT="1",
    )  # the fake's token endpoint is plain http
    credentials.write_text(json.dumps(fake.client_secrets(f"{server.url}/google/callback")))
    server.start()
    try:
        yield server, fake, token
    finally:
        server.stop()
        fake.stop()


def registered(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=5)
    except urllib.error.HTTPError as exc:
        return exc.code != 404
    return True


def test_connect_google_in_the_browser(page, google_server):
    server, fake, token = google_server
    if not registered(f"{server.url}/google/connect"):
        pytest.skip("the google_oauth blueprint is not registered in the dashboard yet")
    sign_in(page, server.url)

    page.goto(f"{server.url}/google/connect")  # -> fake /authorize -> /google/callback -> the sync page

    page.wait_for_load_state()
    assert any(r["kind"] == "authorize" for r in fake.requests)
    assert page.url.startswith(server.url) and "/google/" not in page.url
    assert re.search("Google Calendar connected", page.content()), page.inner_text("main")[:600]
    saved = json.loads(token.read_text())
    assert saved["refresh_token"] == "refresh-2" and saved["account"] == fake.account
    assert page.url == f"{server.url}/sync"  # the sync page, now in its connected state
    assert page.get_by_role("button", name="Disconnect").is_visible()
