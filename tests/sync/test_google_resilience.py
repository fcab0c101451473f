"""Backoff, token refresh, revoked grants and the token file, with the real Google client and the fake."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from app.config import current_settings
from app.extensions import db
from app.models import SyncState
from app.services.sync import run_sync
from tests.conftest import TEST_KEY
from tests.sync.helpers import soon, stored, timed


@pytest.mark.parametrize(
    ("status", "reason"), [(429, ""), (503, ""), (500, ""), (403, "rateLimitExceeded"), (403, "userRateLimitExceeded")]
)
def test_transient_failures_back_off_then_succeed(google_app, fake_google, sleeps, status, reason):
    fake_google.add_event(**timed("Survivor", soon(2)))
    fake_google.fail("list", status, reason, times=2)

    result = run_sync()

    assert result.get("error") is None
    assert len(stored()) == 1
    assert len(sleeps) == 2 and 0 < sleeps[0] < sleeps[1]  # exponential, jittered
    assert len(fake_google.calls("list")) == 3


def test_backoff_is_bounded_and_the_failure_is_recorded(google_app, fake_google, sleeps):
    fake_google.fail("list", 503, times=50)

    result = run_sync()

    assert "503" in result["error"]
    assert len(sleeps) == 5 and max(sleeps) <= 32
    state = db.session.get(SyncState, "primary")
    assert state.status == "error" and "503" in state.last_error


def test_forbidden_without_rate_limit_reason_is_not_retried(google_app, fake_google, sleeps):
    fake_google.fail("list", 403, "forbidden")
    result = run_sync()
    assert "403" in result["error"] and sleeps == []


def test_401_refreshes_once_and_saves_the_new_token_with_mode_0600(google_app, fake_google):
    fake_google.add_event(**timed("After refresh", soon(2)))
    token_file = Path(current_settings().calendar.token_file)
    old_token = json.loads(token_file.read_text())["token"]
    fake_google.access_tokens.discard(old_token)  # the stored access token is no longer accepted

    result = run_sync()

    assert result.get("error") is None and len(stored()) == 1
    assert len(fake_google.calls("token")) == 1
    saved = json.loads(token_file.read_text())
    assert saved["token"] != old_token and saved["token"] in fake_google.access_tokens
    assert saved["refresh_token"] == "refresh-1"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert not list(token_file.parent.glob(".token.json.*"))  # the temporary file was renamed, not left


def test_401_after_a_refresh_is_not_refreshed_again(google_app, fake_google):
    fake_google.fail("list", 401, "authError", times=5)
    result = run_sync()
    assert "401" in result["error"]
    assert len(fake_google.calls("token")) == 1
    assert len(fake_google.calls("list")) == 2


def test_invalid_grant_disconnects_the_calendar_and_shows_in_health(google_app, fake_google):
    client = google_app.test_client()
    token_file = Path(current_settings().calendar.token_file)
    token_file.write_text(json.dumps(fake_google.token_info(access_token="stale", expired=True)))
    fake_google.refresh_tokens.clear()  # revoked

    result = run_sync()

    assert "invalid_grant" in result["error"]
    state = db.session.get(SyncState, "primary")
    assert state.status == "disconnected" and "Connect Google Calendar again" in state.last_error
    admin = {"Authorization": f"Bearer {TEST_KEY}"}
    health = client.get("/health", headers=admin).json
    assert health["details"]["calendars"][0]["status"] == "disconnected"
    assert "invalid_grant" in health["details"]["calendars"][0]["message"]
    detailed = client.get("/api/v1/sync/health", headers=admin).json
    assert detailed["calendars"][0]["calendar_id"] == "primary" and detailed["status"] == "degraded"
    assert "refresh" not in json.dumps(detailed).lower().replace("refused", "")  # no secrets leak
    public = client.get("/api/v1/sync/health").json
    assert public["status"] == "degraded" and public["calendars_failing"] == 1 and "calendars" not in public
    assert "details" not in client.get("/health").json


def test_missing_token_file_reads_as_disconnected(google_app):
    Path(current_settings().calendar.token_file).unlink()
    result = run_sync()
    assert "not connected" in result["error"]
    assert db.session.get(SyncState, "primary").status == "disconnected"
