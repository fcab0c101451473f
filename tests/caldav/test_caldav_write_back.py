"""Events made or changed in Chronos on a writable CalDAV calendar reach the server through the outbox."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, PendingUpstreamOp
from app.services.sync import run_sync
from tests.caldav.conftest import caldav_account
from tests.caldav.ics import timed


@pytest.fixture
def calendar(radicale, collection_name):
    return radicale.make_calendar("alice", collection_name)


def server_events(calendar) -> dict[str, str]:
    """UID → iCalendar text of what is on the server now."""
    listing = calendar.objects_by_sync_token(None, load_objects=True)
    found = {}
    for obj in listing.objects:
        if obj.data:
            uid = next(line[4:] for line in obj.data.splitlines() if line.startswith("UID:"))
            found[uid.strip()] = obj.data
    return found


def app_for(make_app, radicale, collection_name, **account):
    return make_app({"calendar": {"accounts": [caldav_account(radicale, calendars=[collection_name], **account)]}})


def test_an_event_created_through_the_api_is_created_on_the_server_once(
    make_app, radicale, calendar, collection_name, auth
):
    application = app_for(make_app, radicale, collection_name)
    client = application.test_client()
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0, second=0, minute=0)
    body = {
        "title": "Dentist",
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(hours=1)).isoformat(),
        "calendar_id": collection_name,
        "timezone": "Europe/Berlin",
        "location": "Main street 1",
    }
    created = client.post("/api/v1/events", json=body, headers=auth)
    assert created.status_code == 201, created.get_json()
    with application.app_context():
        assert run_sync().get("error") is None
        db.session.rollback()
        [row] = db.session.execute(select(Event).where(Event.calendar_id == collection_name)).scalars()
        assert row.id == created.get_json()["id"] and row.source == "caldav"
        assert re.fullmatch(r"chronos[0-9a-f]{32}", row.external_id)  # a valid Google id as well
        on_server = server_events(calendar)
        assert list(on_server) == [row.external_id]
        assert "SUMMARY:Dentist" in on_server[row.external_id] and "Europe/Berlin" in on_server[row.external_id]
        run_sync(force_refresh=True)  # the server's copy is the same event, not a second one
        assert db.session.execute(select(func.count(Event.id))).scalar_one() == 1
        assert db.session.execute(select(func.count(PendingUpstreamOp.id))).scalar_one() == 0


def test_a_change_and_a_delete_of_a_synced_event_reach_the_server(make_app, radicale, calendar, collection_name, auth):
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    calendar.save_event(timed("ours", "Old title", start, start + timedelta(hours=1)))
    calendar.save_event(timed("doomed", "Delete me", start, start + timedelta(hours=1)))
    application = app_for(make_app, radicale, collection_name)
    client = application.test_client()
    with application.app_context():
        run_sync()
        ids = {row.external_id: row.id for row in db.session.execute(select(Event)).scalars()}
    later = start + timedelta(hours=3)
    changed = client.patch(
        f"/api/v1/events/{ids['ours']}",
        json={
            "title": "New title",
            "start_time": later.isoformat(),
            "end_time": (later + timedelta(hours=1)).isoformat(),
        },
        headers=auth,
    )
    assert changed.status_code == 200
    assert client.delete(f"/api/v1/events/{ids['doomed']}", headers=auth).status_code == 204
    with application.app_context():
        result = run_sync()
        assert result.get("error") is None and result["pending_upstream"] == 0, result
        on_server = server_events(calendar)
        assert set(on_server) == {"ours"}
        assert "SUMMARY:New title" in on_server["ours"]
        assert f"DTSTART:{later:%Y%m%dT%H%M%S}Z" in on_server["ours"]


def test_a_read_only_account_refuses_new_events(make_app, radicale, calendar, collection_name, auth):
    application = app_for(make_app, radicale, collection_name, writable=False)
    start = datetime.now(UTC) + timedelta(days=2)
    body = {"title": "Only here", "start_time": start.isoformat(), "calendar_id": collection_name}
    refused = application.test_client().post("/api/v1/events", json=body, headers=auth)
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "read_only_calendar"
    with application.app_context():
        run_sync()
        assert server_events(calendar) == {}
        assert db.session.execute(select(func.count(PendingUpstreamOp.id))).scalar_one() == 0
