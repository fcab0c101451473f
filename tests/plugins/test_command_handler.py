"""The command handler: ACTION/NOTE/NOTIZ/URL formats, quoting, the configured whitelist, idempotence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Command, Event, Note, UrlPayload
from app.plugins import EventData
from app.services.pipeline import run_pipeline
from plugins.command_handler import CommandHandlerSettings, CommandSyntaxError, delivery_time, split_words

BASE = "/api/v1/events"
START = "2030-05-10T09:00:00Z"


def post(client, auth, title, **fields):
    return client.post(BASE, json={"title": title, "start_time": START, **fields}, headers=auth)


def consumed(response, kind):
    assert response.status_code == 202, response.json
    assert response.json["consumed"] is True and response.json["plugin"] == "command_handler"
    assert response.json["result"]["kind"] == kind
    return response.json["result"]["id"]


def rejected(response):
    assert response.status_code == 201, response.json
    event = response.json
    assert [problem["plugin"] for problem in event["problems"]] == ["command_handler"]
    return event


@pytest.mark.parametrize(
    ("title", "command", "system", "args"),
    [
        ("ACTION: REBOOT server1", "REBOOT", "server1", []),
        ("action:reboot server1", "REBOOT", "server1", []),
        ("Action:   backup db-main full   nightly", "BACKUP", "db-main", ["full", "nightly"]),
        ('ACTION: NOTIFY ops "disk almost full" now', "NOTIFY", "ops", ["disk almost full", "now"]),
        ('ACTION: NOTIFY ops ""', "NOTIFY", "ops", [""]),
    ],
)
def test_action_becomes_one_command(client, auth, app, title, command, system, args):
    command_id = consumed(post(client, auth, title, end_time="2030-05-10T09:30:00Z"), "command")
    row = db.session.get(Command, command_id)
    assert (row.command, row.system_id, row.status) == (command, system, "pending")
    assert row.parameters == {
        "args": args,
        "event_context": {
            "calendar_id": "local",
            "start_time": START,
            "end_time": "2030-05-10T09:30:00Z",
            "external_id": None,
        },
    }
    assert Event.query.count() == 0  # a consumed event is not stored
    assert client.get(f"/api/v1/commands?system_id={system}", headers=auth).json["total_count"] == 1


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("ACTION: SELFDESTRUCT server1", "whitelist"),
        ("ACTION: REBOOT", "target system"),
        ("ACTION:", "target system"),
        ('ACTION: NOTIFY ops "unbalanced', "unbalanced"),
        ("ACTION: REBOOT bad/system", "system id"),
    ],
)
def test_malformed_action_stays_a_tagged_event_with_the_reason(client, auth, title, reason):
    event = rejected(post(client, auth, title))
    assert "command-rejected" in event["tags"] and reason in event["problems"][0]["message"]
    assert Command.query.count() == 0


def test_the_whitelist_comes_from_the_configuration(make_app, auth):
    client = make_app({"command_handler": {"action_whitelist": ["LAUNCH", "PARK"]}}).test_client()
    consumed(post(client, auth, "ACTION: launch rocket-7 now"), "command")
    event = rejected(post(client, auth, "ACTION: REBOOT server1"))
    assert "LAUNCH, PARK" in event["problems"][0]["message"]


def test_commands_can_wait_for_the_event_start(make_app, auth):
    app = make_app({"command_handler": {"deliver_at_event_start": True}})
    client = app.test_client()
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    command_id = consumed(post(client, auth, "ACTION: BACKUP nas", start_time=start.isoformat()), "command")
    with app.app_context():
        row = db.session.get(Command, command_id)
        assert row.available_at == start
    assert client.get("/api/v1/commands/nas", headers=auth).json["count"] == 0  # not due yet


@pytest.mark.parametrize("prefix", ["NOTE:", "note:", "NOTIZ:", "Notiz:"])
def test_note_formats_become_a_note(client, auth, prefix):
    note_id = consumed(post(client, auth, f"{prefix}Buy milk", description="2 litres"), "note")
    note = db.session.get(Note, note_id)
    assert note.text == "Buy milk" and note.event_details["description"] == "2 litres"
    assert note.event_time == datetime(2030, 5, 10, 9, tzinfo=UTC)
    listed = client.get("/api/v1/notes", headers=auth).json
    assert listed["total_count"] == 1 and listed["items"][0]["text"] == "Buy milk"
    assert listed["items"][0]["event_time"] == START


def test_empty_note_uses_the_description_or_is_rejected(client, auth):
    consumed(post(client, auth, "NOTE:", description="from the body"), "note")
    assert Note.query.one().text == "from the body"
    assert rejected(post(client, auth, "NOTE:   "))["problems"][0]["message"] == "NOTE has no text"


def test_url_becomes_a_saved_link(client, auth):
    url_id = consumed(post(client, auth, "URL: https://example.org/a?b=1 Design doc v2"), "url")
    row = db.session.get(UrlPayload, url_id)
    assert (row.url, row.title) == ("https://example.org/a?b=1", "Design doc v2")
    listed = client.get("/api/v1/urls?q=design", headers=auth).json
    assert [item["url"] for item in listed["items"]] == ["https://example.org/a?b=1"]
    assert client.get("/api/v1/urls?q=nothing", headers=auth).json["total_count"] == 0


@pytest.mark.parametrize(
    "url", ["ftp://example.org/file", "javascript:alert(1)", "file:///etc/passwd", "example.org", "http://"]
)
def test_url_with_another_scheme_stays_an_event_with_a_problem(client, auth, url):
    event = rejected(post(client, auth, f"URL: {url}"))
    assert "http" in event["problems"][0]["message"]
    assert UrlPayload.query.count() == 0


def test_ordinary_titles_pass_untouched(client, auth):
    response = post(client, auth, "Actionable review: notes and URLs")
    assert response.status_code == 201 and response.json["problems"] == [] and response.json["tags"] == []


@pytest.fixture
def google_app(make_app, tmp_path):
    """An app whose configured Google account owns the calendar 'primary' (so its entries are trusted)."""
    token = tmp_path / "token.json"
    token.write_text("{}")
    application = make_app({"calendar": {"source": "google", "calendars": ["primary"], "token_file": str(token)}})
    with application.app_context():
        yield application


def synced(title: str, external_id: str = "g-1") -> EventData:
    start = datetime(2030, 5, 10, 9, tzinfo=UTC)
    return EventData(
        title=title,
        start_time=start,
        end_time=start + timedelta(hours=1),
        calendar_id="primary",
        source="google",
        external_id=external_id,
    )


@pytest.mark.parametrize(
    ("title", "model"),
    [("ACTION: STATUS web-1", Command), ("NOTIZ: hello", Note), ("URL: http://example.org", UrlPayload)],
)
def test_the_same_source_event_never_makes_a_second_row(google_app, title, model):
    first = run_pipeline(synced(title))
    again = run_pipeline(synced(title).copy(description="seen again on the next sync"))
    assert first.consumed is not None and again.consumed == first.consumed
    assert model.query.count() == 1
    other = run_pipeline(synced(title, external_id="g-2"))
    assert other.consumed.id != first.consumed.id and model.query.count() == 2


def test_command_from_a_synced_event_carries_its_context(google_app):
    outcome = run_pipeline(synced("ACTION: DEPLOY api-2 v1.4"))
    row = db.session.get(Command, outcome.consumed.id)
    assert row.source_key == "primary:g-1" and row.external_id == "g-1" and row.calendar_id == "primary"
    assert row.parameters["event_context"]["external_id"] == "g-1"


def test_an_edited_event_is_not_consumed(client, auth):
    event = post(client, auth, "Plain").json
    response = client.patch(f"{BASE}/{event['id']}", json={"title": "ACTION: REBOOT server1"}, headers=auth)
    assert response.status_code == 200
    assert response.json["problems"][0]["plugin"] == "command_handler"
    assert Command.query.count() == 0
    fixed = client.patch(f"{BASE}/{event['id']}", json={"title": "ACTION: FORBIDDEN x"}, headers=auth).json
    assert "command-rejected" in fixed["tags"] and len(fixed["problems"]) == 1
    clean = client.patch(f"{BASE}/{event['id']}", json={"title": "Plain again"}, headers=auth).json
    assert clean["tags"] == [] and clean["problems"] == []


def test_split_words():
    assert split_words('a  "b c" d') == ["a", "b c", "d"]
    assert split_words('x"y z"w') == ["xy zw"]
    assert split_words("") == []
    with pytest.raises(CommandSyntaxError):
        split_words('"open')


def test_delivery_time_follows_deliver_at_event_start():
    now = datetime(2030, 5, 8, 12, tzinfo=UTC)
    future, past = now + timedelta(hours=2), now - timedelta(hours=2)
    assert delivery_time(CommandHandlerSettings(), future, now) is None
    held = CommandHandlerSettings(deliver_at_event_start=True)
    assert delivery_time(held, future, now) == future
    assert delivery_time(held, past, now) is None
