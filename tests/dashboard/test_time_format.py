"""One time format across the dashboard: local spans, relative times with the exact time on hover, no raw stamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.dashboard.time_format import relative
from app.timeutil import utcnow
from tests.dashboard.helpers import assert_page, make_event

NOW = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)
RAW_STAMP = re.compile(r">[^<]*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[^<]*<")  # an ISO stamp in text a person reads


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=3), "in 3 min"),
        (-timedelta(minutes=3), "3 min ago"),
        (timedelta(hours=2, minutes=59), "in 2 h"),
        (timedelta(days=1, hours=2), "in 1 day"),
        (-timedelta(days=5), "5 days ago"),
        (timedelta(days=90), "in 3 months"),
        (-timedelta(days=800), "2 years ago"),
    ],
)
def test_relative_times(app, delta, text):
    assert relative(NOW + delta, NOW) == text


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_events_open_on_today_upcoming_first_with_spans(dashboard):
    now = utcnow().replace(second=0, microsecond=0)
    make_event("Long gone", start=stamp(now - timedelta(days=3)), end=stamp(now - timedelta(days=3, hours=-1)))
    later = now + timedelta(days=2)
    make_event("Later one", start=stamp(later), end=stamp(later + timedelta(hours=1)))
    soon = now + timedelta(hours=2, minutes=5)
    make_event("Soon one", start=stamp(soon), end=stamp(soon + timedelta(minutes=30)))
    holiday = (now + timedelta(days=4)).date()
    make_event("Holiday", start=holiday.isoformat(), end=(holiday + timedelta(days=1)).isoformat(), all_day=True)
    html = assert_page(dashboard.get("/events"))
    assert "Long gone" not in html
    assert html.index("Soon one") < html.index("Later one") < html.index("Holiday")
    assert re.search(r'<time datetime="[0-9T:-]+Z" title="[^"]+\([A-Za-z_/]+\)">in 2 h</time>', html)
    assert re.search(r"\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d–\d\d:\d\d</time>", html)  # start–end
    assert re.search(r"\w{3} \d{1,2} \w{3} \d{4}, all day</time>", html)  # all-day rows: the same date format
    assert not RAW_STAMP.search(html)


def test_status_page_reads_like_text_and_badge_needs_no_javascript(dashboard):
    html = assert_page(dashboard.get("/status/badge"))
    assert not RAW_STAMP.search(html)
    assert "status…" not in html
    badge = re.search(r'<a id="health-badge"[^>]*>(.*?)</a>', html, re.S)
    assert badge and re.match(r"\s*(healthy|degraded)", badge.group(1))
    home = dashboard.get("/").text
    assert re.search(r'<a id="health-badge"[^>]*>\s*(healthy|degraded)', home)
