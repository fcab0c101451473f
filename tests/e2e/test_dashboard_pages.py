"""Every dashboard page loads in a real browser without console errors or CSP violations.

With UPDATE_SCREENSHOTS=1 the test also refreshes the screenshots in docs/screenshots/ that the
documentation shows.
"""

from __future__ import annotations

import os
import re
import time

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.dashboard_support import (
    DASHBOARD_PAGES,
    ROOT,
    api,
    page_url,
    problems,
    screenshot_on_failure,
    seed,
    settle,
)

SIZES = {"": {"width": 1280, "height": 800}, "-phone": {"width": 390, "height": 844}}
# Screenshots other browser tests take with the data they need to show (a crowded hour, a month of analytics).
SHOT_ELSEWHERE = {"today", "week", "month", "analytics"}


def wait_for_first_sync(server, timeout: float = 30.0) -> None:
    """The daemon syncs the demo calendar soon after it starts; pages look real once it has."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api(server, "GET", "/events?calendar=primary&page_size=1")["total_count"]:
            return
        time.sleep(0.3)
    raise AssertionError("the daemon did not sync the demo calendar in time")


def test_every_page_loads_cleanly(page, live_server):
    """Each page at desktop and phone size; with UPDATE_SCREENSHOTS=1 each is saved as docs/screenshots/<name>.png
    and <name>-phone.png (the calendar views' and analytics' screenshots come from their own tests)."""
    wait_for_first_sync(live_server)
    ids = seed(live_server)
    shots = os.environ.get("UPDATE_SCREENSHOTS") == "1"
    folder = ROOT / "docs" / "screenshots"
    sign_in(page, live_server.url)
    for suffix, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for name, path, heading in DASHBOARD_PAGES:
            with screenshot_on_failure(page, f"page-{name}{suffix}"):
                page.goto(page_url(live_server, path, ids))
                settle(page)
                if heading:
                    expect(page.locator("h1").first).to_contain_text(heading)
                assert problems(page) == [], path
                if shots and name not in SHOT_ELSEWHERE:
                    folder.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(folder / f"{name}{suffix}.png"))


def test_missing_page_uses_the_layout(page, live_server):
    sign_in(page, live_server.url)
    page.problems.allow(r"status of 404")  # the page asked for does not exist: that is the point
    response = page.goto(live_server.url + "/events/99999999")
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("404")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_phone_width_has_no_sideways_scroll(page, live_server):
    sign_in(page, live_server.url)
    page.set_viewport_size({"width": 375, "height": 800})
    for path in ("/", "/templates", "/commands", "/calendar/month"):
        page.goto(live_server.url + path)
        settle(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 380, (path, width)
    assert re.search("login", page.url) is None
