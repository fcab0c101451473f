"""Commands made from calendar entries through the real pipeline: delivered at once, or at the event's start."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.timeutil import format_utc, utcnow
from tests.commands.queue_helpers import fetch, make_due
from tests.conftest import TEST_KEY

AUTH = {"Authorization": f"Bearer {TEST_KEY}"}


def post_action(client, hours_ahead: float) -> int:
    start = utcnow() + timedelta(hours=hours_ahead)
    response = client.post(
        "/api/v1/events",
        headers=AUTH,
        json={
            "title": "ACTION: REBOOT hub nas",
            "start_time": format_utc(start),
            "end_time": format_utc(start + timedelta(minutes=30)),
        },
    )
    assert response.status_code == 202, response.text
    assert response.json["result"]["kind"] == "command"
    return response.json["result"]["id"]


@pytest.mark.parametrize("hours_ahead", [2, -1])
def test_default_delivers_at_once(make_app, hours_ahead):
    application = make_app()
    with application.app_context():
        client = application.test_client()
        cid = post_action(client, hours_ahead)
        claimed = client.get("/api/v1/commands/hub", headers=AUTH).json["commands"]
        assert [c["id"] for c in claimed] == [cid]
        assert claimed[0]["command"] == "REBOOT" and claimed[0]["parameters"]["args"] == ["nas"]


def test_deliver_at_event_start_holds_a_future_command(make_app):
    application = make_app({"command_handler": {"deliver_at_event_start": True}})
    with application.app_context():
        client = application.test_client()
        cid = post_action(client, 2)
        row = fetch(cid)
        assert row.available_at > utcnow() + timedelta(minutes=119)
        assert client.get("/api/v1/commands/hub", headers=AUTH).json["count"] == 0
        listed = client.get("/api/v1/commands?status=pending", headers=AUTH).json["items"]
        assert listed[0]["available_at"] == format_utc(row.available_at)
        make_due(cid)  # the event has started
        assert [c["id"] for c in client.get("/api/v1/commands/hub", headers=AUTH).json["commands"]] == [cid]


def test_deliver_at_event_start_sends_a_started_event_at_once(make_app):
    application = make_app({"command_handler": {"deliver_at_event_start": True}})
    with application.app_context():
        client = application.test_client()
        cid = post_action(client, -0.5)
        assert [c["id"] for c in client.get("/api/v1/commands/hub", headers=AUTH).json["commands"]] == [cid]
