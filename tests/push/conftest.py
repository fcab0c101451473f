"""Fixtures for the push tests: the fake Google server and apps whose Google calendars can be watched."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import deep_merge
from tests.fakes.google_calendar import FakeGoogle

# Where the in-process tests ask Google to send notices (nothing listens there: they call the route directly).
PUSH_BASE = "http://127.0.0.1:9"


@pytest.fixture
def fake_google():
    fake = FakeGoogle().start()
    yield fake
    fake.stop()


@pytest.fixture
def google_settings(fake_google, tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """Settings of a Google account on the fake with push on (extra settings merged on top)."""
    token_file = tmp_path / "token.json"
    token_file.write_text(json.dumps(fake_google.token_info()))

    def build(calendars: list[str] | None = None, push_url: str = PUSH_BASE, **extra: Any) -> dict[str, Any]:
        google = {"api_endpoint": fake_google.api_endpoint, "token_uri": fake_google.token_uri, "push_url": push_url}
        calendar = {"source": "google", "token_file": str(token_file), "calendars": calendars or ["primary"]}
        return deep_merge({"calendar": {**calendar, "google": google}}, extra)

    return build


@pytest.fixture
def push_app(make_app, google_settings):
    """An app with push on for the calendars primary and team."""
    application = make_app(google_settings(["primary", "team"]))
    with application.app_context():
        yield application


@pytest.fixture
def push_client(push_app):
    return push_app.test_client()
