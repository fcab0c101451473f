"""The analytics page in real Chromium: SVG charts with legends, axes and text equivalents, with and without
JavaScript, at desktop and phone widths, with no console error or CSP violation.

With UPDATE_SCREENSHOTS=1 it also refreshes docs/screenshots/analytics.png (1280×800) and
analytics-phone.png (390×844).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PageProblems, sign_in
from tests.e2e.dashboard_support import ROOT, api, problems, screenshot_on_failure, settle
from tests.e2e.test_dashboard_pages import wait_for_first_sync

SHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def demo_server(live_server):
    """The live server once the daemon has synced the demo calendars, with four events at one hour next week."""
    wait_for_first_sync(live_server)
    # 07:00 UTC: before the demo's working day starts, so the four overlap nothing else.
    start = (datetime.now(UTC) + timedelta(days=2)).replace(hour=7, minute=0, second=0, microsecond=0)
    for n, title in enumerate(("Budget review", "Vendor call", "Hiring sync", "Roadmap draft")):
        api(
            live_server,
            "POST",
            "/events",
            {
                "title": title,
                "start_time": start.isoformat().replace("+00:00", "Z"),
                "end_time": (start + timedelta(minutes=60 - 10 * n)).isoformat().replace("+00:00", "Z"),
                "event_type": "task" if n == 3 else "meeting",
            },
        )
    return live_server


def check_charts(page) -> None:
    """Three SVG charts, each with a title, a description, axes or a scale, a legend and a table."""
    charts = page.locator("svg.chart-svg")
    expect(charts).to_have_count(3)
    for index in range(3):
        chart = charts.nth(index)
        assert chart.get_attribute("role") == "img"
        assert chart.locator("title").first.text_content().strip()
        assert len(chart.locator("desc").text_content().strip()) > 40
    days = page.locator("svg[aria-labelledby='days-title days-desc']")
    assert days.locator("text.axis", has_text=" h").count() >= 2  # hour gridline labels
    assert days.locator("line.grid").count() >= 2
    assert days.locator("rect.kind-meeting").count() > 0 and days.locator("rect.kind-focus").count() > 0
    assert days.locator("rect.kind-personal").count() > 0  # the demo's lunch, dinner and hike
    dated = [t for t in days.locator("text.axis").all_text_contents() if not t.endswith(" h")]
    assert len(dated) >= 4  # date labels under the bars, thinned out so they never overlap
    legend = page.locator(".chart-legend").first
    for label in ("Meetings", "Focus", "Other work", "Personal"):
        expect(legend).to_contain_text(label)
    weeks = page.locator("svg[aria-labelledby='weeks-title weeks-desc']")
    assert weeks.locator("circle.kind-meeting").count() >= 1 and weeks.locator("circle.kind-focus").count() >= 1
    heat = page.locator("svg[aria-labelledby='heat-title heat-desc']")
    assert heat.locator("rect").count() == 7 * 24
    expect(page.locator(".heat-scale")).to_contain_text("Hours per cell")
    assert page.locator(".heat-scale li .swatch").count() == 6
    # The text equivalent: a table behind a native <details>, which opens without JavaScript too.
    table = page.locator("details.chart-table").first
    table.locator("summary").click()
    rows = table.locator("tbody tr")
    assert rows.count() == 30 and "Mon" in table.text_content() + table.text_content().replace("Monday", "Mon")


def test_charts_with_javascript(page, demo_server):
    sign_in(page, demo_server.url)
    page.set_viewport_size({"width": 1280, "height": 800})
    with screenshot_on_failure(page, "analytics-charts"):
        page.goto(demo_server.url + "/analytics")
        settle(page)
        check_charts(page)
        # The summary figures sit in one row at 1280 px.
        tops = page.locator(".figures > div").evaluate_all("items => items.map(i => i.getBoundingClientRect().top)")
        assert len(tops) == 7 and len(set(tops)) == 1, tops
        # Switching the period swaps the report through htmx: the charts come along.
        page.get_by_role("link", name="90 days").click()
        expect(page).to_have_url(demo_server.url + "/analytics?days=90")
        settle(page)
        expect(page.locator("svg.chart-svg")).to_have_count(3)
        assert problems(page) == []
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            page.goto(demo_server.url + "/analytics")
            settle(page)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "analytics.png"))


def test_charts_without_javascript(browser, demo_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.problems = PageProblems(page)
    try:
        sign_in(page, demo_server.url)
        with screenshot_on_failure(page, "analytics-no-js"):
            page.goto(demo_server.url + "/analytics?days=30")
            check_charts(page)
            page.get_by_role("link", name="7 days").click()  # a plain link without htmx
            expect(page.locator("svg.chart-svg")).to_have_count(3)
            assert page.locator("svg[aria-labelledby='days-title days-desc'] g rect").count() >= 7
            # The suggestions, which JavaScript loads into the page, are a link away.
            page.get_by_role("link", name="Show the suggestions for the coming week").click()
            expect(page.locator("h1")).to_have_text("Suggestions")
            expect(page.locator("#suggestions li", has_text="4 events overlap")).to_have_count(1)
            assert problems(page) == []
    finally:
        context.close()


def test_one_conflict_for_four_overlapping_events(page, demo_server):
    sign_in(page, demo_server.url)
    page.goto(demo_server.url + "/analytics")
    settle(page)  # the page loads its suggestions in a second request
    conflicts = page.locator("#suggestions li", has_text="4 events overlap")
    expect(conflicts).to_have_count(1)
    text = conflicts.text_content()
    for title in ("Budget review", "Vendor call", "Hiring sync", "Roadmap draft"):
        assert title in text
    assert "Move 'Roadmap draft' to" in text and "% sure" not in text  # a fact, with what to do
    assert page.locator("#suggestions li", has_text="overlap by").count() == 0  # no pairwise entries
    assert problems(page) == []


def test_phone_layout_is_readable(page, demo_server):
    sign_in(page, demo_server.url)
    page.set_viewport_size({"width": 390, "height": 844})
    with screenshot_on_failure(page, "analytics-phone"):
        page.goto(demo_server.url + "/analytics")
        settle(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 392  # charts scroll inside their box
        lefts = page.locator(".figures > div").evaluate_all("items => items.map(i => i.getBoundingClientRect().left)")
        assert len(set(round(x) for x in lefts)) == 2  # two columns of figures
        size = page.locator(".figures strong").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 16
        expect(page.locator("svg.chart-svg")).to_have_count(3)
        assert problems(page) == []
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "analytics-phone.png"))
