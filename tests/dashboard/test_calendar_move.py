"""Moving an event from the week view (drag or keyboard): the edit form's service, its rules and its refusals."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Event
from app.services.sync import run_sync
from tests.dashboard.helpers import csrf, make_event

WEEK = "/calendar/week?start=2030-01-08"


def move(client, event_id: int, start: str, end: str, token: str | None = None):
    headers = {"X-CSRFToken": token if token is not None else csrf(client)}
    return client.post(f"/calendar/events/{event_id}/move", json={"start": start, "end": end}, headers=headers)


def test_move_saves_new_times_read_in_the_app_zone(make_app):
    app = make_app({"app": {"timezone": "Europe/Berlin"}})
    client = app.test_client()
    from tests.conftest import TEST_KEY, log_in

    log_in(client)
    with app.app_context():
        event_id = make_event("Dentist", start="2030-01-08T08:00:00Z", end="2030-01-08T09:00:00Z")
    answer = move(client, event_id, "2030-01-09T14:15", "2030-01-09T15:30")
    assert answer.status_code == 200, answer.text
    assert answer.get_json() == {
        "id": event_id,
        "title": "Dentist",
        "start_time": "2030-01-09T13:15:00Z",  # 14:15 in Berlin (UTC+1 in January)
        "end_time": "2030-01-09T14:30:00Z",
    }
    stored = client.get(f"/api/v1/events/{event_id}", headers={"Authorization": f"Bearer {TEST_KEY}"}).get_json()
    assert (stored["start_time"], stored["end_time"]) == ("2030-01-09T13:15:00Z", "2030-01-09T14:30:00Z")


def test_move_needs_the_csrf_token(dashboard):
    event_id = make_event("Guarded", start="2030-01-08T08:00:00Z")
    assert move(dashboard, event_id, "2030-01-08T10:00", "2030-01-08T11:00", token="").status_code == 400
    assert db.session.get(Event, event_id).start_time.hour == 8


def test_move_refuses_bad_times_with_the_field_named(dashboard):
    event_id = make_event("Checked", start="2030-01-08T08:00:00Z")
    bad = move(dashboard, event_id, "tomorrow", "2030-01-08T11:00")
    assert bad.status_code == 422 and bad.get_json()["error"]["details"]["field"] == "start"
    backwards = move(dashboard, event_id, "2030-01-08T11:00", "2030-01-08T10:00")
    assert backwards.status_code == 422 and backwards.get_json()["error"]["code"] == "validation_error"
    assert move(dashboard, 99_999, "2030-01-08T10:00", "2030-01-08T11:00").status_code == 404
    all_day = make_event("Holiday", start="2030-01-08", end="2030-01-09", all_day=True)
    refused = move(dashboard, all_day, "2030-01-08T10:00", "2030-01-08T11:00")
    assert refused.status_code == 422 and "all-day" in refused.get_json()["error"]["message"]
    assert db.session.get(Event, all_day).all_day is True


def test_read_only_events_are_refused_and_not_draggable(dashboard):
    run_sync()
    synced = db.session.query(Event).filter(Event.calendar_id == "primary", Event.all_day.is_(False)).first()
    refused = move(dashboard, synced.id, "2030-01-08T10:00", "2030-01-08T11:00")
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "read_only_calendar"
    assert "read-only" in refused.get_json()["error"]["message"]
    day = synced.start_time.date().isoformat()
    html = dashboard.get(f"/calendar/week?start={day}").text
    tag = re.search(rf'<a id="ev-{synced.id}" [^>]*>', html).group(0)
    assert 'data-locked="demo"' in tag and "data-start" not in tag and "is-locked" in tag


def test_own_events_carry_what_the_script_needs(dashboard):
    event_id = make_event("Mine", start="2030-01-08T09:00:00Z", end="2030-01-08T09:45:00Z")
    html = dashboard.get(WEEK).text
    tag = re.search(rf'<a id="ev-{event_id}" [^>]*>', html).group(0)
    assert 'data-start="2030-01-08T09:00" data-end="2030-01-08T09:45"' in tag and "is-movable" in tag
    assert 'data-move-url="/calendar/events/0/move"' in html
    assert f'href="/events/{event_id}"' in tag  # without JavaScript: the edit form
