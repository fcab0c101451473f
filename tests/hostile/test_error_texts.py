"""Error texts stored on a calendar's status never carry credentials, SQL or event content."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import SyncState
from app.redact import without_credentials
from app.services.sync import run_sync
from app.sources.base import SourceError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fetching https://bob:hunter2@cal.example/x.ics failed", "fetching https://***@cal.example/x.ics failed"),
        ("GET https://tok3n@cal.example/x failed", "GET https://***@cal.example/x failed"),
        (
            "see https://cal.example/feed.ics?token=abc123&view=week",
            "see https://cal.example/feed.ics?token=***&view=week",
        ),
        ("https://h/x?a=1&api_key=zzz#f", "https://h/x?a=1&api_key=***#f"),
        ("plain words stay as they are: 10:30@home", "plain words stay as they are: 10:30@home"),
    ],
)
def test_credentials_are_masked(text, expected):
    assert without_credentials(text) == expected


class FailingSource:
    """A source whose listing fails the way the caller says."""

    name = "demo"
    lists_window_end = True

    def __init__(self, error: Exception) -> None:
        self.error = error

    def calendars(self) -> list[str]:
        return ["work"]

    def list_changes(self, calendar_id, sync_token, window):
        raise self.error
        yield  # a generator, as real sources are

    def delete_event(self, calendar_id: str, external_id: str) -> None:
        raise SourceError("read-only")


def test_an_unexpected_failure_stores_its_kind_not_its_sql(app):
    leak = IntegrityError("INSERT INTO events (title) VALUES (?)", ("Dinner with my secret lover",), Exception("x"))
    result = run_sync(source=FailingSource(leak))
    state = db.session.get(SyncState, "work")
    assert state.status == "error"
    for text in (state.last_error, result["error"]):
        assert "IntegrityError" in text and "secret lover" not in text and "INSERT" not in text


def test_a_source_error_is_stored_without_the_password_in_its_url(app):
    failure = SourceError("fetching https://bob:hunter2@cal.example/x.ics failed: 503")
    result = run_sync(source=FailingSource(failure))
    state = db.session.get(SyncState, "work")
    assert "hunter2" not in state.last_error and "hunter2" not in result["error"]
    assert "cal.example/x.ics failed: 503" in state.last_error
