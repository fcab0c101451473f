"""ICS feeds: parsing, recurrence expansion with an exception date and a moved instance, removal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.extensions import db
from app.services.sync import run_sync
from app.sources.base import SourceError, SyncWindow
from app.sources.ics import fetch_url, parse_feed
from tests.sync.helpers import stored


def feed_text(start: datetime, with_single: bool = True) -> str:
    """A weekly meeting (4 times, the 2nd excluded, the 3rd moved) and an all-day event."""
    fmt = "%Y%m%dT%H%M%S"
    week = timedelta(days=7)
    single = (
        f"BEGIN:VEVENT\nUID:single@test\nDTSTART;VALUE=DATE:{start:%Y%m%d}\n"
        f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}\nSUMMARY:Holiday\nEND:VEVENT\n"
    )
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n"
        f"BEGIN:VEVENT\nUID:weekly@test\nDTSTART;TZID=America/New_York:{start:{fmt}}\n"
        f"DTEND;TZID=America/New_York:{start + timedelta(hours=1):{fmt}}\nRRULE:FREQ=WEEKLY;COUNT=4\n"
        f"EXDATE;TZID=America/New_York:{start + week:{fmt}}\nSUMMARY:Weekly sync\n"
        "ATTENDEE:mailto:bob@example.org\nEND:VEVENT\n"
        f"BEGIN:VEVENT\nUID:weekly@test\nRECURRENCE-ID;TZID=America/New_York:{start + 2 * week:{fmt}}\n"
        f"DTSTART;TZID=America/New_York:{start + 2 * week + timedelta(hours=3):{fmt}}\n"
        f"DTEND;TZID=America/New_York:{start + 2 * week + timedelta(hours=4):{fmt}}\nSUMMARY:Weekly sync (moved)\n"
        "END:VEVENT\n" + (single if with_single else "") + "END:VCALENDAR\n"
    )


def base_start() -> datetime:
    return (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=None)


def test_parse_expands_recurrences_with_exdate_and_moved_instance():
    from zoneinfo import ZoneInfo

    start = base_start()
    now = datetime.now(UTC)
    events = parse_feed(
        feed_text(start).encode(),
        "team",
        SyncWindow(now - timedelta(days=1), now + timedelta(days=40)),
        ZoneInfo("UTC"),
    )
    weekly = sorted((e for e in events if e.recurring_event_id == "weekly@test"), key=lambda e: e.start_time)
    assert len(weekly) == 3  # 4 occurrences, one excluded
    assert [e.title for e in weekly] == ["Weekly sync", "Weekly sync (moved)", "Weekly sync"]
    new_york = ZoneInfo("America/New_York")
    assert weekly[0].start_time == start.replace(tzinfo=new_york).astimezone(UTC)
    assert weekly[0].timezone == "America/New_York" and weekly[0].attendees == ["bob@example.org"]
    moved = weekly[1]
    assert moved.original_start_time == (start + timedelta(days=14)).replace(tzinfo=new_york).astimezone(UTC)
    assert moved.start_time - moved.original_start_time == timedelta(hours=3)
    assert len({e.external_id for e in weekly}) == 3
    [holiday] = [e for e in events if e.external_id == "single@test"]
    assert holiday.all_day and holiday.all_day_date == start.date()


def test_ics_sync_stores_and_removes_what_disappears(make_app, tmp_path: Path):
    feed = tmp_path / "team.ics"
    start = base_start()
    feed.write_text(feed_text(start))
    app = make_app({"calendar": {"source": "ics", "ics_feeds": [{"id": "team", "path": str(feed)}]}})
    with app.app_context():
        first = run_sync(days_ahead=40)
        assert first.get("error") is None and first["events_created"] == 4
        assert {row.source for row in stored("team").values()} == {"ics"}

        feed.write_text(feed_text(start, with_single=False))
        second = run_sync(days_ahead=40)

        assert second["events_deleted"] == 1 and second["events_created"] == 0
        assert "single@test" not in stored("team")
        assert len(stored("team")) == 3
        db.session.rollback()


def test_url_fetch_only_allows_http_and_https_and_caps_the_size(tmp_path: Path):
    with pytest.raises(SourceError, match="only http and https"):
        fetch_url(f"file://{tmp_path}/x.ics", 5, 1000, "feed")
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Big(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 5000)

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Big)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(SourceError, match="larger than"):
            fetch_url(f"http://127.0.0.1:{server.server_address[1]}/feed.ics", 5, 1000, "feed")
        assert len(fetch_url(f"http://127.0.0.1:{server.server_address[1]}/feed.ics", 5, 10000, "feed")) == 5000
    finally:
        server.shutdown()
        server.server_close()


def test_duration_without_dtend_gives_the_end():
    from zoneinfo import ZoneInfo

    start = base_start()
    text = (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\nBEGIN:VEVENT\nUID:d@t\n"
        f"DTSTART:{start:%Y%m%dT%H%M%S}Z\nDURATION:PT45M\nSUMMARY:Short\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    now = datetime.now(UTC)
    [event] = parse_feed(
        text.encode(), "f", SyncWindow(now - timedelta(days=1), now + timedelta(days=5)), ZoneInfo("UTC")
    )
    assert event.end_time - event.start_time == timedelta(minutes=45)
