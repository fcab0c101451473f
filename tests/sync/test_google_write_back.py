"""Events made or changed in Chronos on a writable Google calendar reach Google through the outbox, once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Event, PendingUpstreamOp
from app.services.sync import run_sync
from tests.sync.helpers import soon, stored, timed


def iso(moment: datetime) -> str:
    return moment.isoformat()


def new_event(client, auth, title: str = "Dentist", **extra) -> dict:
    start = soon(48)
    body = {
        "title": title,
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(hours=1)).isoformat(),
        "calendar_id": "primary",
        "timezone": "Europe/Berlin",
        **extra,
    }
    created = client.post("/api/v1/events", json=body, headers=auth)
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def pending() -> list[PendingUpstreamOp]:
    db.session.rollback()
    return list(db.session.execute(select(PendingUpstreamOp)).scalars())


def due_now() -> None:
    db.session.execute(update(PendingUpstreamOp).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()


def event_count() -> int:
    db.session.rollback()
    return db.session.execute(select(func.count(Event.id))).scalar_one()


def test_an_event_created_here_is_inserted_upstream_under_our_id_and_stays_one_event(google_app, fake_google, auth):
    made = new_event(google_app.test_client(), auth, location="Main street 1")

    result = run_sync()

    assert result.get("error") is None and result["pending_upstream"] == 0, result
    [upstream] = fake_google.live()
    assert re.fullmatch(r"chronos[0-9a-f]{32}", upstream["id"])  # base32hex, as Google requires
    assert upstream["summary"] == "Dentist" and upstream["location"] == "Main street 1"
    assert upstream["start"]["timeZone"] == "Europe/Berlin"
    row = stored()[upstream["id"]]
    assert row.id == made["id"] and row.source == "google"
    run_sync(force_refresh=True)  # the listed copy is the same local event
    assert event_count() == 1 and list(stored()) == [upstream["id"]]
    assert len(fake_google.calls("insert")) == 1


def test_an_insert_retried_after_a_lost_answer_makes_no_second_event(google_app, fake_google, auth):
    made = new_event(google_app.test_client(), auth)
    [op] = pending()
    # The first attempt reached Google but its answer was lost: the event exists under our id already.
    fake_google.add_event(id=op.external_id, **timed("Dentist", soon(48)))
    fake_google.fail("insert", 503, times=100)  # and Google fails for a while

    first = run_sync()

    assert "primary" not in (first.get("error") or "")  # the calendar itself synced
    assert event_count() == 1  # the listed copy is recognised as ours, not stored a second time
    assert len(pending()) == 1 and pending()[0].last_error

    fake_google.failures.clear()
    due_now()
    assert run_sync()["pending_upstream"] == 0
    assert len(fake_google.live()) == 1
    assert fake_google.calls("insert")[-1]["kind"] == "insert"
    assert event_count() == 1 and stored()[op.external_id].id == made["id"]


def test_changes_and_deletes_made_here_reach_google(google_app, fake_google, auth):
    kept = fake_google.add_event(**timed("Old title", soon(5)))
    doomed = fake_google.add_event(**timed("Delete me", soon(6)))
    run_sync()
    ids = {external: row.id for external, row in stored().items()}
    client = google_app.test_client()
    later = soon(7)
    changed = client.patch(
        f"/api/v1/events/{ids[kept['id']]}",
        json={"title": "New title", "start_time": later.isoformat(), "end_time": iso(later + timedelta(hours=2))},
        headers=auth,
    )
    assert changed.status_code == 200
    assert client.delete(f"/api/v1/events/{ids[doomed['id']]}", headers=auth).status_code == 204

    result = run_sync()

    assert result.get("error") is None and result["pending_upstream"] == 0, result
    [live] = fake_google.live()
    assert live["id"] == kept["id"] and live["summary"] == "New title"
    assert datetime.fromisoformat(live["start"]["dateTime"]) == later
    assert datetime.fromisoformat(live["end"]["dateTime"]) == later + timedelta(hours=2)
    assert set(stored()) == {kept["id"]} and stored()[kept["id"]].title == "New title"
    assert not stored()[kept["id"]].problems


def test_a_second_change_here_builds_on_our_first_one(google_app, fake_google, auth):
    event = fake_google.add_event(**timed("Standup", soon(5)))
    run_sync()
    event_id = stored()[event["id"]].id
    client = google_app.test_client()
    assert client.patch(f"/api/v1/events/{event_id}", json={"title": "One"}, headers=auth).status_code == 200
    run_sync()
    assert client.patch(f"/api/v1/events/{event_id}", json={"title": "Two"}, headers=auth).status_code == 200

    result = run_sync()

    assert result["pending_upstream"] == 0
    assert fake_google.live()[0]["summary"] == "Two"  # our own first patch is not taken for someone else's
    assert stored()[event["id"]].title == "Two" and not stored()[event["id"]].problems


def test_upstream_wins_when_an_event_changed_there_and_here(google_app, fake_google, auth):
    event = fake_google.add_event(**timed("Planning", soon(5)))
    run_sync()
    event_id = stored()[event["id"]].id
    fake_google.update_event("primary", event["id"], summary="Planning (moved room)", location="Room 4")
    later = soon(9)
    body = {"title": "Planning v2", "start_time": iso(later), "end_time": iso(later + timedelta(hours=1))}
    assert google_app.test_client().patch(f"/api/v1/events/{event_id}", json=body, headers=auth).status_code == 200

    result = run_sync()

    assert result["pending_upstream"] == 0 and pending() == []
    assert [call["kind"] for call in fake_google.calls("patch")] == []  # Google's version was never overwritten
    assert fake_google.live()[0]["summary"] == "Planning (moved room)"
    row = stored()[event["id"]]
    assert row.title == "Planning (moved room)" and row.location == "Room 4" and row.start_time == soon(5)
    [problem] = [p for p in row.problems if p["plugin"] == "sync"]
    assert "title" in problem["message"] and "start_time" in problem["message"]
    assert "location" not in problem["message"]  # not changed here
    assert "dropped" in problem["message"]
    api = google_app.test_client().get(f"/api/v1/events/{event_id}", headers=auth).get_json()
    assert any(p["plugin"] == "sync" for p in api["problems"])


def test_a_change_upstream_between_the_check_and_the_patch_still_wins(google_app, fake_google, auth, monkeypatch):
    import tests.fakes.google_calendar as fake_module

    event = fake_google.add_event(**timed("Review", soon(5)))
    run_sync()
    event_id = stored()[event["id"]].id
    assert google_app.test_client().patch(f"/api/v1/events/{event_id}", json={"title": "Mine"}, headers=auth)
    original = fake_module.get_event

    def read_then_someone_edits(fake, calendar_id, external_id):
        answer = original(fake, calendar_id, external_id)
        fake.update_event(calendar_id, external_id, summary="Theirs")
        return answer

    monkeypatch.setattr(fake_module, "get_event", read_then_someone_edits)

    result = run_sync()

    assert result["pending_upstream"] == 0
    assert len(fake_google.calls("patch")) == 1  # sent with If-Match, refused with 412
    assert fake_google.live()[0]["summary"] == "Theirs"
    row = stored()[event["id"]]
    assert row.title == "Theirs" and any(p["plugin"] == "sync" and "title" in p["message"] for p in row.problems)
