"""Week and month views: placement classes, lanes for overlaps, all-day bars, navigation, escaping."""

from __future__ import annotations

import re
from datetime import date

import pytest

from app.dashboard.views_calendar_layout import month_days, week_start
from tests.dashboard.helpers import HX, assert_login_redirect, assert_page, assert_partial, make_event

WEEK = "/calendar/week?start=2030-01-09"  # Monday 2030-01-07 .. Sunday 2030-01-13


def block_classes(html: str, title: str) -> str:
    match = re.search(r'class="wk-event ([^"]+)"[^>]*title="[^"]*' + re.escape(title), html)
    assert match, title
    return match.group(1)


@pytest.mark.parametrize("url", ["/calendar", "/calendar/week", "/calendar/month"])
def test_requires_login(client, url):
    assert_login_redirect(client, url)


def test_week_places_events_by_time_and_length(dashboard):
    make_event("Standup", start="2030-01-08T09:00:00Z", end="2030-01-08T09:15:00Z")
    make_event("Workshop", start="2030-01-08T13:30:00Z", end="2030-01-08T16:00:00Z")
    html = assert_page(dashboard.get(WEEK))
    assert "Week of Monday 7 January 2030" in html
    assert block_classes(html, "Standup").split()[:2] == ["gr-37", "rs-1"]  # 09:00 = row 37, one quarter
    assert block_classes(html, "Workshop").split()[:2] == ["gr-55", "rs-10"]


def test_overlapping_events_side_by_side(dashboard):
    make_event("Alpha", start="2030-01-09T10:00:00Z", end="2030-01-09T11:00:00Z")
    make_event("Beta", start="2030-01-09T10:30:00Z", end="2030-01-09T11:30:00Z")
    make_event("Gamma", start="2030-01-09T14:00:00Z", end="2030-01-09T15:00:00Z")
    html = dashboard.get(WEEK).text
    assert "gc-1 gs-6" in block_classes(html, "Alpha")
    assert "gc-7 gs-6" in block_classes(html, "Beta")
    assert "gc-1 gs-12" in block_classes(html, "Gamma")  # alone again: full width


def test_all_day_bar_spans_days(dashboard):
    make_event("Conference", start="2030-01-10", end="2030-01-12", all_day=True)
    html = dashboard.get(WEEK).text
    assert re.search(r'class="wk-bar dc-4 ds-2 cal-local"[^>]*>Conference<', html)


def test_week_partial_and_navigation_links(dashboard):
    html = assert_partial(dashboard.get(WEEK, headers=HX))
    assert html.lstrip().startswith('<section id="calendar"')
    assert 'hx-get="/calendar/week?start=2029-12-31"' in html and 'hx-push-url="true"' in html
    assert 'href="/calendar/week?start=2030-01-14"' in html


def test_calendar_filter(dashboard):
    make_event("Home thing", start="2030-01-08T09:00:00Z", calendar_id="home")
    make_event("Work thing", start="2030-01-08T11:00:00Z", calendar_id="work")
    html = dashboard.get(WEEK + "&calendar=work").text
    assert "Work thing" in html and "Home thing" not in html
    assert '<option value="work" selected>' in html


def test_month_view(dashboard):
    for hour in range(9, 14):
        make_event(f"Slot {hour}", start=f"2030-01-15T{hour:02d}:00:00Z", end=f"2030-01-15T{hour:02d}:30:00Z")
    html = assert_page(dashboard.get("/calendar/month?month=2030-01"))
    assert "January 2030" in html and "Slot 9" in html and "+2 more" in html
    assert (
        assert_partial(dashboard.get("/calendar/month?month=2030-01", headers=HX))
        .lstrip()
        .startswith('<section id="calendar"')
    )
    assert dashboard.get("/calendar/month?month=bogus").status_code == 200


def test_escaping_in_week_and_month(dashboard):
    make_event("<script>alert(1)</script>", start="2030-01-08T09:00:00Z")
    make_event("<img src=x>", start="2030-01-08", end="2030-01-09", all_day=True)
    for url in [WEEK, "/calendar/month?month=2030-01"]:
        html = dashboard.get(url).text
        assert "<script>alert" not in html and "<img src=x>" not in html and "&lt;script&gt;" in html


def test_grid_helpers():
    assert week_start(date(2030, 1, 13)) == date(2030, 1, 7)
    days = month_days(date(2030, 1, 1))
    assert days[0] == date(2029, 12, 31) and len(days) % 7 == 0 and days[-1] >= date(2030, 1, 31)
