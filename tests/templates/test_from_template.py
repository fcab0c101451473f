"""Events made from a template: the fields handed to the events service, in the app's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.errors import InvalidInputError
from app.services import templates as service


@pytest.fixture
def berlin_app(make_app):
    application = make_app({"app": {"timezone": "Europe/Berlin"}})
    with application.app_context():
        yield application


def test_timed_template_starts_at_its_default_time_in_the_app_zone(berlin_app):
    template = service.create_template(
        {
            "title": "Standup",
            "default_time": "09:30",
            "duration_minutes": 20,
            "tags": ["team"],
            "calendar_id": "work",
            "description": "daily",
        }
    )
    fields = service.event_fields_from_template(template, date(2026, 7, 1))
    # 09:30 in Berlin in summer (UTC+2) is 07:30 UTC.
    assert fields["start_time"] == datetime(2026, 7, 1, 7, 30, tzinfo=UTC)
    assert fields["end_time"] == datetime(2026, 7, 1, 7, 50, tzinfo=UTC)
    assert fields["title"] == "Standup" and fields["description"] == "daily"
    assert fields["tags"] == ["team"] and fields["calendar_id"] == "work" and fields["all_day"] is False
    winter = service.event_fields_from_template(template, date(2026, 1, 15), at="14:00:00")
    assert winter["start_time"] == datetime(2026, 1, 15, 13, 0, tzinfo=UTC)


def test_all_day_template_gives_the_date_and_an_exclusive_end(berlin_app):
    template = service.create_template({"title": "Holiday", "all_day": True})
    fields = service.event_fields_from_template(template, date(2026, 12, 31))
    assert fields["start_time"] == "2026-12-31" and fields["end_time"] == "2027-01-01"
    assert fields["all_day"] is True


def test_no_time_anywhere_names_the_at_field(berlin_app):
    template = service.create_template({"title": "Someday"})
    with pytest.raises(InvalidInputError) as caught:
        service.event_fields_from_template(template, date(2026, 1, 1))
    assert caught.value.field == "at"
    with pytest.raises(InvalidInputError):
        service.event_fields_from_template(template, date(2026, 1, 1), at="25:00")


def test_create_event_from_template_stores_the_event_and_counts_the_use(berlin_app):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Event, TemplateUsage

    template = service.create_template(
        {
            "title": "Review",
            "default_time": "15:00",
            "duration_minutes": 45,
            "tags": ["work"],
            "calendar_id": "work",
            "description": "weekly",
        }
    )
    event = service.create_event_from_template(template.id, date(2026, 7, 3))
    db.session.rollback()
    stored = db.session.get(Event, event.id)
    assert stored.title == "Review" and stored.calendar_id == "work" and "work" in stored.tags
    assert stored.start_time.isoformat() == "2026-07-03T13:00:00+00:00"
    assert (stored.end_time - stored.start_time).total_seconds() == 45 * 60
    assert service.get_template(template.id).usage_count == 1
    usage = db.session.scalars(select(TemplateUsage)).one()
    assert usage.event_id == event.id


def test_a_template_a_plugin_consumes_still_counts(berlin_app):
    from app.plugins import Consumed

    template = service.create_template({"title": "NOTE: water the plants", "default_time": "08:00"})
    result = service.create_event_from_template(template.id, date(2026, 7, 3))
    assert isinstance(result, Consumed) and result.kind == "note"
    assert service.get_template(template.id).usage_count == 1


def test_an_all_day_template_makes_an_all_day_event(berlin_app):
    template = service.create_template({"title": "Offsite", "all_day": True})
    event = service.create_event_from_template(template.id, date(2026, 7, 3))
    assert event.all_day is True and event.all_day_date == date(2026, 7, 3)
