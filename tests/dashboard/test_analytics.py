"""The analytics page: report figures from stored events, period switch partial, suggestions, CSRF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.timeutil import format_utc
from tests.dashboard.helpers import HX, assert_login_redirect, assert_page, assert_partial, csrf, make_event


def hours_ago(hours: float) -> str:
    return format_utc(datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours))


def test_requires_login(client):
    assert_login_redirect(client, "/analytics")


def test_report_page_and_partial(dashboard):
    make_event("Past planning", start=hours_ago(50), end=hours_ago(48))
    html = assert_page(dashboard.get("/analytics?days=7"))
    assert "<strong>2.0 h</strong>" in html or "<strong>2 h</strong>" in html
    assert 'class="chart-svg"' in html and 'class="heat-5"' in html  # the one busy slot is the hottest cell
    html = assert_partial(dashboard.get("/analytics?days=30", headers=HX))
    assert html.lstrip().startswith('<div id="analytics-report"')
    assert dashboard.get("/analytics?days=13").status_code == 200  # unknown periods fall back to 30


def test_dismiss_unknown_key_and_csrf(dashboard):
    token = csrf(dashboard)
    response = dashboard.post("/analytics/suggestions/apply", data={"key": "nope", "csrf_token": token}, headers=HX)
    assert "no longer applies" in assert_partial(response)
    assert dashboard.post("/analytics/suggestions/dismiss", data={"key": "x"}).status_code == 400


@pytest.mark.parametrize("days", [7, 30])
def test_titles_escaped_in_template_usage(dashboard, days):
    from app.services import templates

    template = templates.create_template({"title": "<script>x</script>", "default_time": "09:00"})
    templates.use_template(template.id)
    html = dashboard.get(f"/analytics?days={days}").text
    assert "<script>x" not in html and "&lt;script&gt;x" in html
