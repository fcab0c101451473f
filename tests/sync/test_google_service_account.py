"""Google through a service account key: the JWT bearer grant at the configured token endpoint, with and without
domain-wide delegation, and a refused key named clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.extensions import db
from app.models import SyncState
from app.services.sync import run_sync
from tests.fakes.google_calendar import service_account_key
from tests.sync.helpers import soon, stored, timed

EMAIL = "chronos@project.iam.gserviceaccount.com"


def key_file(tmp_path: Path, info: dict) -> str:
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(info))
    return str(path)


def one_account_app(make_app, fake_google, key: str, subject: str = ""):
    return make_app(
        {
            "calendar": {
                "source": "google",
                "service_account_file": key,
                "subject": subject,
                "calendars": ["primary"],
                "google": {"api_endpoint": fake_google.api_endpoint, "token_uri": fake_google.token_uri},
            }
        }
    )


def test_a_service_account_syncs_at_the_configured_token_endpoint(make_app, fake_google, tmp_path, sleeps):
    fake_google.add_event(**timed("Board meeting", soon(3)))
    key = key_file(tmp_path, service_account_key(fake_google, EMAIL))
    application = one_account_app(make_app, fake_google, key)
    with application.app_context():
        result = run_sync()
        assert result.get("error") is None, result
        assert [row.title for row in stored().values()] == ["Board meeting"]
    [grant] = fake_google.jwt_grants
    assert grant["iss"] == EMAIL and grant["aud"] == "https://oauth2.googleapis.com/token" and "sub" not in grant
    assert grant["scope"] == "https://www.googleapis.com/auth/calendar"
    assert [call["path"] for call in fake_google.calls("token")] == ["/token"]  # sent to the configured endpoint
    # The token the grant issued is the one the API calls carried.
    assert all(call["authorization"].startswith("Bearer access-") for call in fake_google.calls("list"))


def test_a_service_account_acts_for_the_subject_with_domain_wide_delegation(make_app, fake_google, tmp_path):
    fake_google.add_event(**timed("1:1", soon(5)))
    info = service_account_key(fake_google, EMAIL, delegated=("ada@example.org",))
    application = make_app(
        {
            "calendar": {
                "accounts": [
                    {
                        "name": "workspace",
                        "type": "google",
                        "service_account_file": key_file(tmp_path, info),
                        "subject": "ada@example.org",
                        "api_endpoint": fake_google.api_endpoint,
                        "token_uri": fake_google.token_uri,
                    }
                ]
            }
        }
    )
    with application.app_context():
        assert run_sync().get("error") is None
        assert [row.title for row in stored().values()] == ["1:1"]
    assert [grant["sub"] for grant in fake_google.jwt_grants] == ["ada@example.org"]


def test_a_subject_without_delegation_says_what_to_grant(make_app, fake_google, tmp_path, sleeps):
    key = key_file(tmp_path, service_account_key(fake_google, EMAIL))
    application = one_account_app(make_app, fake_google, key, subject="bob@example.org")
    with application.app_context():
        result = run_sync()
        state = db.session.get(SyncState, "primary")
        assert state.status == "error"
        assert "domain-wide delegation" in state.last_error and "bob@example.org" in state.last_error
        assert "primary" in result["error"]
    assert fake_google.calls("list") == []


@pytest.mark.parametrize("known_account", [True, False])
def test_a_wrong_key_is_refused_with_a_clear_calendar_error(make_app, fake_google, tmp_path, sleeps, known_account):
    if known_account:
        service_account_key(fake_google, EMAIL)  # the key Google knows for the account is another one
    info = service_account_key(fake_google, EMAIL, registered=False)
    key = key_file(tmp_path, info)
    application = one_account_app(make_app, fake_google, key)
    with application.app_context():
        result = run_sync()
        state = db.session.get(SyncState, "primary")
        assert state.status == "error", state.last_error
        assert "Google refused the service account key" in state.last_error and key in state.last_error
        assert "Invalid JWT Signature" in state.last_error
        assert "PRIVATE KEY" not in state.last_error and "PRIVATE KEY" not in json.dumps(result)
    assert fake_google.jwt_grants == [] and fake_google.calls("list") == []


def test_a_file_that_is_not_a_service_account_key_is_named(make_app, fake_google, tmp_path, sleeps):
    key = key_file(tmp_path, {"installed": {"client_id": "x"}})
    application = one_account_app(make_app, fake_google, key)
    with application.app_context():
        run_sync()
        state = db.session.get(SyncState, "primary")
        assert state.status == "error" and "is not a Google service account key" in state.last_error


def test_check_config_shows_the_service_account_keys(make_app, fake_google, tmp_path):
    key = key_file(tmp_path, service_account_key(fake_google, EMAIL))
    application = one_account_app(make_app, fake_google, key, subject="ada@example.org")
    shown = application.config["CHRONOS_SETTINGS"].masked()
    assert shown["calendar"]["service_account_file"] == key and shown["calendar"]["subject"] == "ada@example.org"
    assert "PRIVATE KEY" not in json.dumps(shown)  # the path is shown, never the key it holds


def test_the_sync_page_says_google_is_read_through_the_service_account(make_app, fake_google, tmp_path):
    from tests.conftest import log_in

    key = key_file(tmp_path, service_account_key(fake_google, EMAIL, delegated=("ada@example.org",)))
    client = one_account_app(make_app, fake_google, key, subject="ada@example.org").test_client()
    assert log_in(client).status_code == 302
    page = client.get("/sync").text
    assert "through a service account" in page and "acting for ada@example.org" in page
    assert "Connect Google Calendar" not in page
