"""The sync's counters say what was written: a page whose transaction fails is not counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, SyncState
from app.services.sync import run_sync
from app.sources.base import ChangePage, SourceEvent


class DuplicatingSource:
    """A source whose page holds one id twice: storing it breaks the (calendar, external id) uniqueness."""

    name = "ics"
    lists_window_end = True

    def calendars(self) -> list[str]:
        return ["dup"]

    def list_changes(self, calendar_id, sync_token, window):
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        events = [
            SourceEvent(external_id=eid, calendar_id=calendar_id, title=eid, start_time=start, end_time=start)
            for eid in ("a", "same", "same")
        ]
        for event in events:
            event.updated = event.fingerprint()
        yield ChangePage(events=events, full=True, last=True)

    def delete_event(self, calendar_id, external_id):
        raise NotImplementedError


def test_a_failed_page_is_not_counted_as_created(app):
    result = run_sync(days_ahead=7, source=DuplicatingSource())
    assert result["error"]
    assert (result["events_processed"], result["events_created"]) == (0, 0)
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Event)).scalar_one() == 0
    state = db.session.get(SyncState, "dup")
    assert state.status == "error" and state.last_counts["events_created"] == 0
