"""On a CalDAV server, a change made here loses to a change made on the server since the last sync (and says
so); our own earlier change is not mistaken for someone else's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event, PendingUpstreamOp
from app.services.sync import run_sync
from tests.caldav.conftest import caldav_account
from tests.caldav.ics import timed


@pytest.fixture
def calendar(radicale, collection_name):
    return radicale.make_calendar("alice", collection_name)


@pytest.fixture
def app_and_client(make_app, radicale, collection_name):
    application = make_app({"calendar": {"accounts": [caldav_account(radicale, calendars=[collection_name])]}})
    return application, application.test_client()


def row(uid: str) -> Event:
    db.session.rollback()
    return db.session.execute(select(Event).where(Event.external_id == uid)).scalar_one()


def synced_from_server(application, calendar, uid: str, title: str) -> tuple[int, datetime]:
    """A one-hour event saved on the server tomorrow and synced here: its local id and its start."""
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0, second=0)
    calendar.save_event(timed(uid, title, start, start + timedelta(hours=1)))
    with application.app_context():
        assert run_sync().get("error") is None
        return row(uid).id, start


def server_summary(calendar, uid: str) -> str:
    data = calendar.object_by_uid(uid).data
    return next(line[8:] for line in data.splitlines() if line.startswith("SUMMARY:")).strip()


def test_the_server_version_wins_and_the_dropped_change_is_named(app_and_client, calendar, auth):
    application, client = app_and_client
    event_id, start = synced_from_server(application, calendar, "talk", "Talk")
    resource = calendar.object_by_uid("talk")
    resource.data = timed("talk", "Talk (room changed)", start, start + timedelta(hours=1))
    resource.save()
    assert client.patch(f"/api/v1/events/{event_id}", json={"title": "My talk"}, headers=auth).status_code == 200

    with application.app_context():
        result = run_sync()
        assert result.get("error") is None and result["pending_upstream"] == 0, result
        kept = row("talk")
        assert kept.title == "Talk (room changed)"
        [problem] = [p for p in kept.problems if p["plugin"] == "sync"]
        assert "title" in problem["message"] and "start_time" not in problem["message"]
        assert db.session.execute(select(PendingUpstreamOp)).first() is None
    assert server_summary(calendar, "talk") == "Talk (room changed)"


def test_two_changes_in_a_row_both_reach_the_server(app_and_client, calendar, auth):
    application, client = app_and_client
    event_id, _start = synced_from_server(application, calendar, "retro", "Retro")
    for title in ("Retro 1", "Retro 2"):
        assert client.patch(f"/api/v1/events/{event_id}", json={"title": title}, headers=auth).status_code == 200
        with application.app_context():
            assert run_sync()["pending_upstream"] == 0
    assert server_summary(calendar, "retro") == "Retro 2"
    with application.app_context():
        assert row("retro").title == "Retro 2" and not row("retro").problems


def test_a_change_saved_on_the_server_between_read_and_write_wins(app_and_client, calendar, auth, monkeypatch):
    import app.sources.caldav as caldav_source

    application, client = app_and_client
    event_id, start = synced_from_server(application, calendar, "sync", "Sync meeting")
    assert client.patch(f"/api/v1/events/{event_id}", json={"title": "Mine"}, headers=auth).status_code == 200
    original = caldav_source.changed_document

    def someone_saves_first(data, uid, fields):
        theirs = calendar.object_by_uid(uid)
        theirs.data = timed(uid, "Theirs", start, start + timedelta(hours=1))
        theirs.save()
        return original(data, uid, fields)

    monkeypatch.setattr(caldav_source, "changed_document", someone_saves_first)
    with application.app_context():
        assert run_sync()["pending_upstream"] == 0
        kept = row("sync")
        assert kept.title == "Theirs" and any(p["plugin"] == "sync" for p in kept.problems)
    assert server_summary(calendar, "sync") == "Theirs"
