"""Today / agenda: days grouped, the now marker, wellness warnings, the status card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.timeutil import format_utc
from tests.dashboard.helpers import HX, assert_login_redirect, assert_page, assert_partial, make_event


def at(days: int, hour: int, minute: int = 0) -> str:
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return format_utc(base + timedelta(days=days, hours=hour, minutes=minute))


def test_requires_login(client):
    assert_login_redirect(client, "/")
    assert_login_redirect(client, "/status/card")


def test_agenda_groups_days_and_marks_now(dashboard):
    make_event("Tomorrow's review", start=at(1, 9), end=at(1, 10))
    make_event("Next week's trip", start=at(5, 9), end=at(5, 10))
    make_event("Far away", start=at(20, 9), end=at(20, 10))
    html = assert_page(dashboard.get("/"))
    assert html.count('class="card agenda-day"') == 7
    assert "Tomorrow&#39;s review" in html and "Next week&#39;s trip" in html and "Far away" not in html
    assert 'id="now"' in html  # today always shows where now is
    tomorrow = html.index(f'id="day-{at(1, 0)[:10]}"')
    assert tomorrow < html.index("Tomorrow&#39;s review") < html.index(f'id="day-{at(2, 0)[:10]}"')


def test_agenda_partial_for_polling(dashboard):
    html = assert_partial(dashboard.get("/", headers=HX))
    assert html.lstrip().startswith('<section id="agenda"') and 'hx-trigger="every 60s"' in html


def test_overloaded_day_warning(dashboard):
    for hour in range(8, 18):  # ten back-to-back hours tomorrow
        make_event(f"Meeting {hour}", start=at(1, hour), end=at(1, hour + 1))
    html = dashboard.get("/").text
    assert "warning-overload" in html and "warning-back_to_back" in html


def test_status_card_page_and_partial(dashboard):
    html = assert_page(dashboard.get("/status/card"))
    assert "Database" in html and "Last sync" in html and "Google" in html
    html = assert_partial(dashboard.get("/status/card", headers=HX))
    assert 'hx-trigger="every 10s"' in html
    assert "The daemon is not running" in html  # no daemon in these tests


def test_agenda_escapes_titles(dashboard):
    make_event("<script>alert(1)</script>", start=at(1, 9), end=at(1, 10), location="<b>room</b>")
    html = dashboard.get("/").text
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "<b>room" not in html
