"""Lean loading gives the same Event attribute values, types and time zones as the model's own types."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import select, text

from app.db import write_transaction
from app.extensions import db
from app.models import Event
from app.services.event_rows import lean

BASE = "/api/v1/events"


def values(events):
    return [{column.key: getattr(event, column.key) for column in Event.__table__.c} for event in events]


def test_lean_load_matches_the_model_types(client, auth):
    for body in (
        {"title": "Plain", "start_time": "2030-05-10T09:00:00Z"},
        {
            "title": "Full",
            "start_time": "2030-05-10T09:00:00+02:00",
            "end_time": "2030-05-10T10:30:00+02:00",
            "attendees": ["a@example.com"],
            "tags": ["x", "y"],
            "description": "d",
            "location": "here",
        },
        {"title": "Day off", "all_day": True, "start_time": "2030-05-11"},
    ):
        assert client.post(BASE, json=body, headers=auth).status_code == 201
    with write_transaction() as session:
        # Forms the fast path does not take: a time without fraction, a 'T' separator, JSON that is not '[]'.
        session.execute(
            text(
                "UPDATE events SET start_time = '2030-05-10 07:00:00', "
                "end_time = '2030-05-10T08:00:00.500000', problems = '[{\"plugin\": \"p\"}]' "
                "WHERE title = 'Plain'"
            )
        )
        session.execute(
            text("UPDATE events SET original_start_time = '2030-05-09 07:00:00.000001' WHERE title = 'Full'")
        )
    query = select(Event).order_by(Event.id)
    lean_values = values(db.session.execute(lean(query)).scalars().all())
    db.session.expunge_all()
    model_values = values(db.session.execute(query).scalars().all())
    assert lean_values == model_values and len(lean_values) == 3
    for lean_row, model_row in zip(lean_values, model_values, strict=True):
        for key, value in lean_row.items():
            assert type(value) is type(model_row[key]), key
    times = [row[key] for row in lean_values for key in ("start_time", "end_time", "created_at")]
    assert all(moment.tzinfo is UTC for moment in times)
    assert lean_values[0]["problems"] == [{"plugin": "p"}] and lean_values[1]["tags"] == ["x", "y"]


def test_lean_empty_lists_are_not_shared(client, auth):
    for title in ("One", "Two"):
        client.post(BASE, json={"title": title, "start_time": "2030-05-10T09:00:00Z"}, headers=auth)
    first, second = db.session.execute(lean(select(Event).order_by(Event.id))).scalars().all()
    assert first.attendees == [] and first.attendees is not second.attendees
