"""Events of calendars Chronos may not write to (the demo, ICS feeds, writable: false) change only at their source."""

from __future__ import annotations

from app.extensions import db
from app.models import Event
from app.services.sync import run_sync

BASE = "/api/v1/events"


def test_a_new_event_in_a_read_only_calendar_is_refused(client, auth):
    response = client.post(
        BASE, headers=auth, json={"title": "x", "start_time": "2030-01-01T09:00:00Z", "calendar_id": "personal"}
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "read_only_calendar" and error["details"]["field"] == "calendar_id"


def test_a_synced_demo_event_cannot_be_changed_but_local_ones_can(app, client, auth):
    run_sync()
    synced = db.session.query(Event).filter(Event.calendar_id == "primary").first()
    assert synced is not None
    for method in ("put", "patch"):
        body = {"title": "mine now", "start_time": "2030-01-01T09:00:00Z", "end_time": "2030-01-01T10:00:00Z"}
        refused = getattr(client, method)(f"{BASE}/{synced.id}", headers=auth, json=body)
        assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "read_only_calendar"
    local = client.post(BASE, headers=auth, json={"title": "x", "start_time": "2030-01-01T09:00:00Z"}).get_json()
    moved = client.patch(f"{BASE}/{local['id']}", headers=auth, json={"calendar_id": "primary"})
    assert moved.status_code == 422 and moved.get_json()["error"]["code"] == "read_only_calendar"
    assert client.patch(f"{BASE}/{local['id']}", headers=auth, json={"title": "fine"}).status_code == 200
