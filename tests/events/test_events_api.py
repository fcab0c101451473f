"""Events over HTTP: contract shape, create/read/replace/patch/delete, 404s, 422s naming the field."""

from __future__ import annotations

import pytest

from app.models import Event, PendingUpstreamOp
from app.models.sync import UpstreamDeletion
from app.timeutil import parse_datetime

BASE = "/api/v1/events"
EVENT_KEYS = {
    "id",
    "title",
    "description",
    "start_time",
    "end_time",
    "all_day",
    "all_day_date",
    "timezone",
    "calendar_id",
    "source",
    "external_id",
    "location",
    "attendees",
    "tags",
    "priority",
    "event_type",
    "status",
    "problems",
    "created_at",
    "updated_at",
}


def create(client, auth, **fields):
    body = {"title": "Planning", "start_time": "2030-03-04T10:00:00Z", "end_time": "2030-03-04T11:00:00Z", **fields}
    response = client.post(BASE, json=body, headers=auth)
    assert response.status_code == 201, response.json
    return response.json


def assert_422(response, field):
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert response.json["error"]["details"]["field"] == field


def test_create_answers_201_with_the_contract_shape(client, auth):
    data = create(
        client,
        auth,
        description="Quarterly",
        location="Room 4",
        attendees=["ana@example.com"],
        tags=["q1"],
        priority="HIGH",
        event_type="task",
        status="in_progress",
    )
    assert set(data) == EVENT_KEYS
    assert data["title"] == "Planning" and data["priority"] == "HIGH" and data["event_type"] == "task"
    assert data["start_time"] == "2030-03-04T10:00:00Z" and data["end_time"] == "2030-03-04T11:00:00Z"
    assert data["source"] == "local" and data["calendar_id"] == "local" and data["external_id"] is None
    assert data["attendees"] == ["ana@example.com"] and data["tags"] == ["q1"] and data["problems"] == []
    assert data["created_at"].endswith("Z") and data["updated_at"].endswith("Z")
    assert client.get(f"{BASE}/{data['id']}", headers=auth).json == data


def test_create_without_end_lasts_an_hour(client, auth):
    data = create(client, auth, end_time=None)
    assert data["end_time"] == "2030-03-04T11:00:00Z"


def test_offset_input_is_stored_as_the_same_instant(client, auth):
    data = create(client, auth, start_time="2030-03-04T10:00:00+05:30", end_time="2030-03-04T12:00:00-01:00")
    assert data["start_time"] == "2030-03-04T04:30:00Z"
    assert data["end_time"] == "2030-03-04T13:00:00Z"


def test_naive_input_is_read_in_the_app_time_zone(make_app, auth):
    app = make_app({"app": {"timezone": "Europe/Berlin"}})
    client = app.test_client()
    summer = client.post(
        BASE,
        json={"title": "Summer", "start_time": "2030-07-01T09:00:00", "end_time": "2030-07-01T10:00:00"},
        headers=auth,
    ).json
    winter = client.post(BASE, json={"title": "Winter", "start_time": "2030-01-15T09:00:00"}, headers=auth).json
    assert summer["start_time"] == "2030-07-01T07:00:00Z" and summer["end_time"] == "2030-07-01T08:00:00Z"
    assert winter["start_time"] == "2030-01-15T08:00:00Z"
    assert summer["timezone"] == "Europe/Berlin"


def test_all_day_event_across_dst_keeps_its_local_days(make_app, auth):
    app = make_app({"app": {"timezone": "Europe/Berlin"}})
    client = app.test_client()
    # 2030-03-31 is the spring-forward day in Berlin: that local day lasts 23 hours.
    one = client.post(BASE, json={"title": "Holiday", "all_day": True, "start_time": "2030-03-31"}, headers=auth).json
    assert one["all_day"] is True and one["all_day_date"] == "2030-03-31"
    assert one["start_time"] == "2030-03-30T23:00:00Z" and one["end_time"] == "2030-03-31T22:00:00Z"
    trip = client.post(
        BASE,
        json={"title": "Trip", "all_day": True, "start_time": "2030-10-26", "end_time": "2030-10-28"},
        headers=auth,
    ).json
    # Autumn back: the 27th has 25 hours; the end is exclusive midnight of the 28th local.
    assert trip["start_time"] == "2030-10-25T22:00:00Z" and trip["end_time"] == "2030-10-27T23:00:00Z"
    # A fetched all-day event can be sent back unchanged.
    again = client.put(f"{BASE}/{trip['id']}", json=trip, headers=auth)
    assert again.status_code == 200, again.json
    assert again.json["all_day_date"] == "2030-10-26" and again.json["end_time"] == trip["end_time"]


def test_all_day_end_must_be_a_later_date(client, auth):
    response = client.post(
        BASE, json={"title": "x", "all_day": True, "start_time": "2030-01-02", "end_time": "2030-01-02"}, headers=auth
    )
    assert_422(response, "end_time")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start_time": "2030-01-01T10:00:00Z"}, "title"),
        ({"title": "", "start_time": "2030-01-01T10:00:00Z"}, "title"),
        ({"title": "   ", "start_time": "2030-01-01T10:00:00Z"}, "title"),
        ({"title": "x" * 201, "start_time": "2030-01-01T10:00:00Z"}, "title"),
        ({"title": 5, "start_time": "2030-01-01T10:00:00Z"}, "title"),
        ({"title": "t"}, "start_time"),
        ({"title": "t", "start_time": "tomorrow"}, "start_time"),
        ({"title": "t", "start_time": "2030-01-01T10:00:00Z", "end_time": "2030-01-01T09:59:59Z"}, "end_time"),
        ({"title": "t", "start_time": "2030-01-01T10:00:00Z", "end_time": "soon"}, "end_time"),
        ({"title": "t", "start_time": "2030-01-01T10:00:00Z", "colour": "red"}, "colour"),
        ({"title": "t", "start_time": "2030-01-01T10:00:00Z", "priority": "SOMEDAY"}, "priority"),
        ({"title": "t", "start_time": "2030-01-01T10:00:00Z", "event_type": "party"}, "event_type"),
        ({"title": "t", "start_time": "2030-01-01T10:00:00Z", "status": "done"}, "status"),
        ({"title": "t", "start_time": "2030-01-01T10:00:00Z", "timezone": "Mars/Olympus"}, "timezone"),
        ({"title": "t", "start_time": "2030-01-01T10:00:00Z", "attendees": ["not-an-email"]}, "attendees.0"),
        ({"title": "t", "start_time": "2030-01-01T10:00:00Z", "tags": "work"}, "tags"),
        ({"title": "t", "all_day": True, "start_time": "2030-02-30"}, "start_time"),
        ({"title": "t", "all_day": "sometimes", "start_time": "2030-01-01"}, "all_day"),
    ],
)
def test_bad_fields_answer_422_naming_the_field(client, auth, body, field):
    assert_422(client.post(BASE, json=body, headers=auth), field)


def test_zero_length_event_is_allowed(client, auth):
    data = create(client, auth, end_time="2030-03-04T10:00:00Z")
    assert data["start_time"] == data["end_time"]


def test_missing_and_unknown_ids_answer_404(client, auth):
    whole = {"title": "x", "start_time": "2030-03-05T08:00:00Z", "end_time": "2030-03-05T09:00:00Z"}
    for method in ("get", "put", "patch", "delete"):
        response = getattr(client, method)(f"{BASE}/999", json=whole, headers=auth)
        assert response.status_code == 404, method
        assert response.json["error"]["code"] == "not_found"


def test_put_replaces_the_whole_event(client, auth):
    data = create(client, auth, description="old", tags=["keep?"], location="Room")
    body = {"title": "Renamed", "start_time": "2030-03-05T08:00:00Z", "end_time": "2030-03-05T09:30:00Z"}
    response = client.put(f"{BASE}/{data['id']}", json=body, headers=auth)
    assert response.status_code == 200
    new = response.json
    assert new["title"] == "Renamed" and new["description"] == "" and new["tags"] == [] and new["location"] == ""
    assert new["start_time"] == "2030-03-05T08:00:00Z" and new["id"] == data["id"]
    assert new["created_at"] == data["created_at"]


@pytest.mark.parametrize("missing", ["title", "start_time", "end_time"])
def test_put_requires_title_and_times(client, auth, missing):
    data = create(client, auth)
    body = {"title": "T", "start_time": "2030-03-05T08:00:00Z", "end_time": "2030-03-05T09:00:00Z"}
    del body[missing]
    assert_422(client.put(f"{BASE}/{data['id']}", json=body, headers=auth), missing)


def test_patch_changes_only_the_given_fields(client, auth):
    data = create(client, auth, description="keep me", tags=["a"])
    response = client.patch(f"{BASE}/{data['id']}", json={"title": "New title", "priority": "URGENT"}, headers=auth)
    assert response.status_code == 200
    new = response.json
    assert new["title"] == "New title" and new["priority"] == "URGENT"
    assert new["description"] == "keep me" and new["tags"] == ["a"]
    assert new["start_time"] == data["start_time"] and new["end_time"] == data["end_time"]


def test_patch_checks_times_against_the_stored_event(client, auth):
    data = create(client, auth)
    assert_422(
        client.patch(f"{BASE}/{data['id']}", json={"end_time": "2030-03-04T09:00:00Z"}, headers=auth), "end_time"
    )
    assert_422(
        client.patch(f"{BASE}/{data['id']}", json={"start_time": "2030-03-04T12:00:00Z"}, headers=auth), "start_time"
    )
    assert_422(client.patch(f"{BASE}/{data['id']}", json={"bogus": 1}, headers=auth), "bogus")
    assert client.get(f"{BASE}/{data['id']}", headers=auth).json["start_time"] == data["start_time"]


def test_patch_can_turn_an_event_into_an_all_day_one(client, auth):
    data = create(client, auth)
    response = client.patch(f"{BASE}/{data['id']}", json={"all_day": True}, headers=auth)
    assert response.status_code == 200, response.json
    assert response.json["all_day_date"] == "2030-03-04"
    assert response.json["start_time"] == "2030-03-04T00:00:00Z"
    assert response.json["end_time"] == "2030-03-05T00:00:00Z"


def test_delete_answers_204_and_the_event_is_gone(client, auth, app):
    data = create(client, auth)
    response = client.delete(f"{BASE}/{data['id']}", headers=auth)
    assert response.status_code == 204 and response.data == b""
    assert client.get(f"{BASE}/{data['id']}", headers=auth).status_code == 404
    assert PendingUpstreamOp.query.count() == 0  # a local event has nothing upstream


def test_deleting_a_synced_event_queues_an_upstream_delete(client, auth, app):
    from app.db import write_transaction

    with write_transaction() as session:
        event = Event(
            title="From Google",
            start_time=parse_datetime("2030-01-01T10:00:00Z", None),
            end_time=parse_datetime("2030-01-01T11:00:00Z", None),
            calendar_id="primary",
            source="google",
            external_id="abc123",
        )
        session.add(event)
    assert client.delete(f"{BASE}/{event.id}", headers=auth).status_code == 204
    ops = PendingUpstreamOp.query.all()
    assert [(op.calendar_id, op.source, op.external_id, op.op) for op in ops] == [
        ("primary", "google", "abc123", "delete")
    ]
    remembered = UpstreamDeletion.query.one()  # so the next sync does not bring it back
    assert (remembered.external_id, remembered.reason) == ("abc123", "deleted")


def test_synced_event_cannot_move_calendar(client, auth, app):
    from app.db import write_transaction

    with write_transaction() as session:
        event = Event(
            title="From Google",
            start_time=parse_datetime("2030-01-01T10:00:00Z", None),
            end_time=parse_datetime("2030-01-01T11:00:00Z", None),
            calendar_id="primary",
            source="google",
            external_id="abc124",
        )
        session.add(event)
    assert_422(client.patch(f"{BASE}/{event.id}", json={"calendar_id": "work"}, headers=auth), "calendar_id")


def test_body_must_be_json_and_the_key_is_required(client, auth):
    assert client.post(BASE, data="title=x", headers={**auth, "Content-Type": "text/plain"}).status_code == 415
    malformed = client.post(BASE, data="{", headers={**auth, "Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert client.get(BASE).status_code == 401
    assert client.post(BASE, json={"title": "x", "start_time": "2030-01-01T00:00:00Z"}).status_code == 401


def test_openapi_documents_the_event_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/events"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/v1/events/{event_id}"])
    assert "/api/v1/notes" in paths and "/api/v1/urls" in paths
