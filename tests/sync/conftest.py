"""Fixtures for the sync tests: the fake Google server and apps wired to it."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from app.sources import registry
from tests.fakes.google_calendar import FakeGoogle


@pytest.fixture
def fake_google():
    fake = FakeGoogle(page_size=3).start()
    yield fake
    fake.stop()


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Backoff delays the Google source asked for; nothing really sleeps."""
    delays: list[float] = []
    monkeypatch.setattr(registry, "build_source", partial(registry.build_source, sleep=delays.append))
    return delays


@pytest.fixture
def google_app(make_app, fake_google, tmp_path: Path, sleeps):
    """An app whose Google source is the fake, with a stored token (and client secrets)."""
    token_file = tmp_path / "token.json"
    token_file.write_text(json.dumps(fake_google.token_info()))
    secrets_file = tmp_path / "credentials.json"
    secrets_file.write_text(json.dumps(fake_google.client_secrets()))
    application = make_app(
        {
            "calendar": {
                "source": "google",
                "token_file": str(token_file),
                "credentials_file": str(secrets_file),
                "calendars": ["primary"],
                "sync_past_days": 30,
                "google": {"api_endpoint": fake_google.api_endpoint, "token_uri": fake_google.token_uri},
            }
        }
    )
    with application.app_context():
        yield application
