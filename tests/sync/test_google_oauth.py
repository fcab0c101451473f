"""Connecting Google from the dashboard against the fake: authorize redirect, callback with PKCE, disconnect."""

from __future__ import annotations

import http.client
import json
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from app.config import current_settings
from app.dashboard import google
from app.extensions import db
from app.models import SyncState
from app.services.google_auth import connection_status
from app.services.sync import run_sync
from tests.conftest import csrf_token_from, log_in


@pytest.fixture
def oauth_client(google_app, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake's token endpoint is plain http
    if "google_oauth" not in google_app.blueprints:
        google_app.register_blueprint(google.bp)
    Path(current_settings().calendar.token_file).unlink()
    client = google_app.test_client()
    assert log_in(client).status_code == 302
    return client


def follow_authorize(url: str) -> str:
    """What the browser does at Google: the fake consents at once and redirects back."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    connection.request("GET", f"{parts.path}?{parts.query}")
    response = connection.getresponse()
    assert response.status == 302
    return response.getheader("Location")


def test_connect_flow_stores_the_token_and_sync_works(oauth_client, fake_google):
    start = oauth_client.get("/google/connect")
    assert start.status_code == 302
    authorize = start.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{fake_google.url}/authorize")
    assert query["access_type"] == ["offline"] and query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://localhost/google/callback"]

    back = urlsplit(follow_authorize(authorize))
    done = oauth_client.get(f"{back.path}?{back.query}")

    assert done.status_code == 302
    token_file = Path(current_settings().calendar.token_file)
    assert json.loads(token_file.read_text())["refresh_token"] == "refresh-2"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    status = connection_status(current_settings(), lookup_account=False)
    assert status["connected"] and status["account"] == "user@example.org"  # remembered at connect time
    assert run_sync().get("error") is None


def test_callback_with_a_foreign_state_is_refused(oauth_client, fake_google):
    authorize = oauth_client.get("/google/connect").headers["Location"]
    back = urlsplit(follow_authorize(authorize))
    forged = back.query.replace("state=", "state=x")

    response = oauth_client.get(f"{back.path}?{forged}", follow_redirects=True)

    assert response.status_code == 200 and "does not belong to this session" in response.text
    assert not Path(current_settings().calendar.token_file).exists()


def test_disconnect_deletes_the_token_and_marks_calendars(oauth_client, fake_google):
    token_file = Path(current_settings().calendar.token_file)
    token_file.write_text(json.dumps(fake_google.token_info()))
    run_sync()
    page = oauth_client.get("/", follow_redirects=True)

    response = oauth_client.post("/google/disconnect", data={"csrf_token": csrf_token_from(page.text)})

    assert response.status_code == 302
    assert not token_file.exists()
    db.session.rollback()
    assert db.session.get(SyncState, "primary").status == "disconnected"


def test_disconnect_without_csrf_is_refused(oauth_client):
    assert oauth_client.post("/google/disconnect").status_code == 400


def test_cli_google_auth_runs_the_installed_flow_on_a_free_port(google_app, fake_google, monkeypatch):
    """The browser is simulated: it consents at the fake and follows the redirect to the local port."""
    import threading
    import urllib.request

    from google_auth_oauthlib import flow as flow_module

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    Path(current_settings().calendar.token_file).unlink()
    seen: list[str] = []

    class Browser:
        def open(self, url, **_kwargs):
            def consent():
                back = follow_authorize(url)
                seen.append(back)
                urllib.request.urlopen(back, timeout=5).read()

            threading.Thread(target=consent, daemon=True).start()
            return True

    monkeypatch.setattr(flow_module.webbrowser, "get", lambda *_args: Browser())

    result = google_app.test_cli_runner().invoke(args=["google-auth"])

    assert result.exit_code == 0, result.output
    assert "Google Calendar connected" in result.output
    port = urlsplit(seen[0]).port
    assert port and port != current_settings().web.port
    saved = json.loads(Path(current_settings().calendar.token_file).read_text())
    assert saved["refresh_token"] == "refresh-2" and saved["account"] == "user@example.org"
    assert stat.S_IMODE(Path(current_settings().calendar.token_file).stat().st_mode) == 0o600
