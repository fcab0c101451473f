"""Entries fire only from trusted places: an invitation in a read-only feed cannot queue a command."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Command, Event, Note
from app.services.sync import run_sync

STRANGER = "stranger@outsider.example"
OWNER = "me@home.example"


def feed(*events: tuple[str, str]) -> str:
    """An ICS calendar of (title, organizer) events, one hour each on consecutive days."""
    parts = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//chronos tests//EN"]
    for n, (title, organizer) in enumerate(events, start=1):
        parts += [
            "BEGIN:VEVENT",
            f"UID:trust-{n}@tests",
            f"DTSTART:2030010{n}T090000Z",
            f"DTEND:2030010{n}T100000Z",
            f"SUMMARY:{title}",
            f"ORGANIZER;CN=Someone:mailto:{organizer}",
            "END:VEVENT",
        ]
    return "\r\n".join([*parts, "END:VCALENDAR", ""])


@pytest.fixture
def feed_app(make_app, tmp_path):
    """An app syncing one ICS file (id "invites"); overrides add command_handler settings."""

    def build(**command_handler):
        path = tmp_path / "invites.ics"
        path.write_text(feed(("ACTION: REBOOT prod-db now", STRANGER), ("NOTE: call back", OWNER)))
        config = {"calendar": {"source": "ics", "ics_feeds": [{"id": "invites", "path": str(path)}]}}
        if command_handler:
            config["command_handler"] = command_handler
        application = make_app(config)
        with application.app_context():
            run_sync(days_ahead=3650)
        return application

    return build


def test_an_action_from_an_ics_feed_stays_an_event_with_the_reason(feed_app):
    with feed_app().app_context():
        assert Command.query.count() == 0 and Note.query.count() == 0
        event = Event.query.filter_by(title="ACTION: REBOOT prod-db now").one()
        assert "command-rejected" in event.tags
        [problem] = event.problems
        assert problem["plugin"] == "command_handler"
        assert "read-only calendar 'invites'" in problem["message"]
        assert "command_handler.trusted_calendars" in problem["message"]


def test_a_listed_calendar_fires(feed_app):
    with feed_app(trusted_calendars=["invites"]).app_context():
        command = Command.query.one()
        assert (command.command, command.system_id) == ("REBOOT", "prod-db")
        assert Note.query.count() == 1
        assert db.session.query(Event).count() == 0


def test_trusted_organizers_narrow_a_trusted_calendar(feed_app):
    with feed_app(trusted_calendars=["invites"], trusted_organizers=[OWNER.upper()]).app_context():
        assert Command.query.count() == 0 and Note.query.count() == 1  # the owner's note fires, case aside
        rejected = Event.query.one()
        assert rejected.title == "ACTION: REBOOT prod-db now"
        assert STRANGER in rejected.problems[0]["message"]


def test_api_events_are_trusted_and_organizers_do_not_apply_to_them(make_app, auth):
    application = make_app({"command_handler": {"trusted_organizers": [OWNER]}})
    response = application.test_client().post(
        "/api/v1/events", headers=auth, json={"title": "ACTION: STATUS web-1", "start_time": "2030-01-01T09:00:00Z"}
    )
    assert response.status_code == 202 and response.get_json()["result"]["kind"] == "command"


def test_a_list_without_local_turns_api_entries_off(make_app, auth):
    application = make_app({"command_handler": {"trusted_calendars": ["invites"]}})
    response = application.test_client().post(
        "/api/v1/events", headers=auth, json={"title": "ACTION: STATUS web-1", "start_time": "2030-01-01T09:00:00Z"}
    )
    assert response.status_code == 201 and "command-rejected" in response.get_json()["tags"]
