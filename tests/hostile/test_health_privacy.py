"""Public health answers carry status words and counts only; which calendar fails and why is for the admin."""

from __future__ import annotations

import json
import socket

import pytest

from app.services.sync import run_sync
from tests.conftest import TEST_KEY

ADMIN = {"Authorization": f"Bearer {TEST_KEY}"}
SECRET = "s3cret-feed-password"


@pytest.fixture
def failing_feed_app(make_app, tmp_path):
    """An ICS feed whose URL carries credentials, on a port where nothing listens, plus a missing local file."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    feeds = [
        {"id": "team", "url": f"http://alice:{SECRET}@127.0.0.1:{port}/private/team.ics"},
        {"id": "home", "path": str(tmp_path / "nowhere" / "home.ics")},
    ]
    app = make_app({"calendar": {"source": "ics", "ics_feeds": feeds}})
    with app.app_context():
        run_sync()
        yield app


def test_anonymous_health_shows_no_calendar_details(failing_feed_app):
    client = failing_feed_app.test_client()
    for path in ("/health", "/api/v1/sync/health"):
        text = client.get(path).get_data(as_text=True)
        for leak in (SECRET, "alice", "127.0.0.1", "nowhere", "team.ics", "home.ics"):
            assert leak not in text, f"{path} shows {leak!r}: {text}"
    public = client.get("/api/v1/sync/health").get_json()
    assert public["status"] == "degraded" and public["calendars_failing"] == 2 and "calendars" not in public
    assert "details" not in client.get("/health").get_json()


def test_the_admin_sees_which_calendars_fail_without_the_feed_password(failing_feed_app):
    client = failing_feed_app.test_client()
    detailed = client.get("/api/v1/sync/health", headers=ADMIN).get_json()
    assert sorted(item["calendar_id"] for item in detailed["calendars"]) == ["home", "team"]
    health = client.get("/health", headers=ADMIN).get_json()
    assert sorted(item["calendar_id"] for item in health["details"]["calendars"]) == ["home", "team"]
    assert SECRET not in json.dumps(detailed) and SECRET not in json.dumps(health)


def test_a_removed_calendar_no_longer_degrades_health(failing_feed_app, make_app):
    """The same database with the feeds removed from the configuration: their old errors stop counting."""
    database = failing_feed_app.config["SQLALCHEMY_DATABASE_URI"]
    healthy_app = make_app({"calendar": {"source": "demo"}, "database": {"url": database}})
    with healthy_app.app_context():
        body = healthy_app.test_client().get("/api/v1/sync/health", headers=ADMIN).get_json()
    assert body["calendars_failing"] == 0 and body["calendars"] == []
