"""Several accounts at once: a failing CalDAV account stops no other, the calendars API and the Sync page show
each calendar with its account, and the configuration refuses ambiguous calendar ids."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event, SyncState
from app.services.sync import run_sync
from app.settings import ConfigError, load_settings
from tests.caldav.conftest import PASSWORD, caldav_account
from tests.caldav.ics import timed
from tests.conftest import csrf_token_from  # noqa: F401 (the dashboard fixture signs in with it)


def sources_by_calendar() -> dict[str, set[str]]:
    db.session.rollback()
    found: dict[str, set[str]] = {}
    for calendar_id, source in db.session.execute(select(Event.calendar_id, Event.source)):
        found.setdefault(calendar_id, set()).add(source)
    return found


def test_a_wrong_password_fails_only_that_calendar_and_says_what_to_fix(make_app, radicale, collection_name, auth):
    radicale.make_calendar("alice", collection_name)
    wrong = "not-the-Pa55word"
    accounts = [
        caldav_account(radicale, password=wrong, calendars=[collection_name]),
        {"name": "sample", "type": "demo"},
    ]
    application = make_app({"calendar": {"accounts": accounts}})
    with application.app_context():
        result = run_sync()

        assert "password" in result["error"] and wrong not in result["error"]
        state = db.session.get(SyncState, collection_name)
        assert state.status == "error" and state.source == "caldav"
        assert "username and password" in state.last_error and wrong not in state.last_error
        assert sources_by_calendar() == {"primary": {"demo"}, "personal": {"demo"}}  # the other account synced

        body = application.test_client().get("/api/v1/calendars", headers=auth).get_json()
        items = {item["id"]: item for item in body["items"]}
        assert items[collection_name] == {
            "id": collection_name,
            "account": "home",
            "type": "caldav",
            "writable": True,
            "status": "error",
            "last_sync": items[collection_name]["last_sync"],
            "last_error": state.last_error,
        }
        assert items[collection_name]["last_sync"].endswith("Z")
        assert items["primary"]["account"] == "sample" and items["primary"]["status"] == "ok"
        assert items["primary"]["writable"] is False
        assert wrong not in json.dumps(body)


def test_an_account_whose_calendars_cannot_be_listed_still_shows_why(make_app, radicale, auth):
    accounts = [caldav_account(radicale, name="cloud", password="wrong-password")]
    application = make_app({"calendar": {"accounts": accounts}})
    with application.app_context():
        result = run_sync()
        assert "cloud" in result["error"]
        body = application.test_client().get("/api/v1/calendars", headers=auth).get_json()
        assert [(i["id"], i["account"], i["status"]) for i in body["items"]] == [("cloud", "cloud", "error")]
        assert "password" in body["items"][0]["last_error"]


def test_caldav_and_ics_accounts_sync_together(make_app, radicale, collection_name, tmp_path):
    calendar = radicale.make_calendar("alice", collection_name)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    calendar.save_event(timed("dav-1", "From CalDAV", start, start + timedelta(hours=1)))
    feed = tmp_path / "team.ics"
    feed.write_text(timed("ics-1", "From the feed", start, start + timedelta(hours=1)))
    accounts = [
        caldav_account(radicale, calendars=[collection_name]),
        {"name": "feeds", "type": "ics", "feeds": [{"id": "team", "url": str(feed)}]},
    ]
    with make_app({"calendar": {"accounts": accounts}}).app_context():
        result = run_sync()
        assert result.get("error") is None, result
        assert sources_by_calendar() == {collection_name: {"caldav"}, "team": {"ics"}}


def test_the_sync_page_shows_each_calendar_with_its_account(make_app, radicale, collection_name, tmp_path):
    from tests.conftest import log_in

    radicale.make_calendar("alice", collection_name)
    accounts = [caldav_account(radicale, calendars=[collection_name]), {"name": "sample", "type": "demo"}]
    application = make_app({"calendar": {"accounts": accounts}})
    with application.app_context():
        run_sync()
    client = application.test_client()
    log_in(client)
    html = client.get("/sync").get_data(as_text=True)
    row = html[html.index(f'<td data-label="Calendar">{collection_name}') :].split("</tr>")[0]
    assert "home" in row and "(writable)" in row and "caldav" in row
    demo_row = html[html.index('<td data-label="Calendar">personal') :].split("</tr>")[0]
    assert "sample" in demo_row and "(writable)" not in demo_row


def accounts_settings(accounts: list[dict], environ: dict | None = None):
    return load_settings({"calendar": {"accounts": accounts}}, environ=environ or {})


def test_a_calendar_id_used_by_two_accounts_stops_start_up(radicale, make_app):
    accounts = [
        caldav_account(radicale, name="home", calendars=["work"]),
        caldav_account(radicale, name="office", calendars=[{"remote": "calendar", "id": "work"}]),
    ]
    with pytest.raises(ConfigError) as raised:
        make_app({"calendar": {"accounts": accounts}})
    message = str(raised.value)
    assert "\n" not in message and "'work'" in message and "'home'" in message and "'office'" in message


def test_the_demo_and_a_second_demo_collide_on_their_default_ids():
    with pytest.raises(ConfigError, match="'primary' is used by accounts 'a' and 'b'"):
        accounts_settings([{"name": "a", "type": "demo"}, {"name": "b", "type": "demo"}])


def test_account_mistakes_name_the_key():
    with pytest.raises(ConfigError, match=r"calendar\.accounts\.0.*url"):
        accounts_settings([{"name": "x", "type": "caldav", "url": "ftp://nowhere"}])
    with pytest.raises(ConfigError, match="password and password_file"):
        accounts_settings(
            [{"name": "x", "type": "caldav", "url": "https://dav.example", "password": "a", "password_file": "b"}]
        )
    with pytest.raises(ConfigError, match="CHRONOS_TEST_DAV_PASSWORD is not set"):
        accounts_settings(
            [{"name": "x", "type": "caldav", "url": "https://dav.example", "password_env": "CHRONOS_TEST_DAV_PASSWORD"}]
        )
    with pytest.raises(ConfigError, match="two accounts are named 'x'"):
        accounts_settings([{"name": "x", "type": "demo"}, {"name": "x", "type": "ics"}])


def test_check_config_masks_every_password():
    settings = accounts_settings(
        [
            {"name": "a", "type": "caldav", "url": "https://me:url-secret@dav.example/", "password": "plain-secret"},
            {"name": "b", "type": "caldav", "url": "https://dav.example/", "password_env": "DAV_B"},
        ],
        environ={"DAV_B": "env-secret"},
    )
    assert settings.calendar.accounts[1].password == "env-secret"
    shown = json.dumps(settings.masked())
    for secret in ("plain-secret", "env-secret", "url-secret"):
        assert secret not in shown
    assert shown.count('"password": "****"') == 2 and '"password_env": "DAV_B"' in shown


def test_password_from_a_file_and_from_the_environment(make_app, radicale, collection_name, tmp_path, monkeypatch):
    radicale.make_calendar("alice", collection_name)
    secret = tmp_path / "dav-password"
    secret.write_text(PASSWORD + "\n")
    monkeypatch.setenv("HOME_DAV_PASSWORD", PASSWORD)
    base = {k: v for k, v in caldav_account(radicale, calendars=[collection_name]).items() if k != "password"}
    for extra in ({"password_file": str(secret)}, {"password_env": "HOME_DAV_PASSWORD"}):
        with make_app({"calendar": {"accounts": [{**base, **extra}]}}).app_context():
            assert run_sync().get("error") is None


def test_a_found_calendar_with_an_id_another_account_has_is_refused(make_app, radicale, collection_name):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    radicale.make_calendar("alice", collection_name).save_event(timed("a1", "Alice's", start, start))
    radicale.make_calendar("bob", collection_name).save_event(timed("b1", "Bob's", start, start))
    bob = {**caldav_account(radicale, name="bob"), "username": "bob", "password": "bobs-password"}
    with make_app({"calendar": {"accounts": [caldav_account(radicale), bob]}}).app_context():
        result = run_sync()
        assert "account 'bob' has a calendar" in result["error"] and "account 'home' syncs that id" in result["error"]
        db.session.rollback()
        rows = db.session.execute(select(Event).where(Event.calendar_id == collection_name)).scalars()
        assert [row.external_id for row in rows] == ["a1"]
