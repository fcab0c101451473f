"""The dashboard on a phone (390×844): every section in the menu, tables as cards with their actions, no sideways
scrolling — with and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.dashboard_support import DASHBOARD_PAGES, TABLE_PAGES, page_url, screenshot_on_failure, seed, settle

# How pages look to people: the same whichever database holds the rows, so checked on SQLite only.
pytestmark = pytest.mark.presentation

PHONE = {"width": 390, "height": 844}
SECTIONS = [
    "Today",
    "Events",
    "Calendar",
    "Templates",
    "Commands",
    "Notes",
    "Sync",
    "Analytics",
    "Webhooks",
    "Keys",
    "Audit",
]


@pytest.fixture(scope="module")
def ids(live_server):
    return seed(live_server)


def assert_menu_shows_every_section(page) -> None:
    nav = page.get_by_role("navigation", name="Main")
    for label in SECTIONS:
        link = nav.get_by_role("link", name=label, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (label, box)


def assert_no_sideways_scroll(page, path: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (path, width)


def assert_actions_visible(page, path: str) -> None:
    """Each row's actions (links and buttons) lie inside the screen."""
    actions = page.locator("table.stack td.actions a, table.stack td.actions button")
    for index in range(actions.count()):
        action = actions.nth(index)
        if not action.is_visible():
            continue
        box = action.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (path, action.inner_text(), box)


def test_every_page_fits_a_phone(browser, live_server, ids):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url)
    for name, path, _heading in DASHBOARD_PAGES:
        if name in ("week", "month", "analytics"):
            continue  # laid out by the calendar and analytics pages themselves; checked in their own tests
        with screenshot_on_failure(page, f"phone-{name}"):
            page.goto(page_url(live_server, path, ids))
            settle(page)
            assert_menu_shows_every_section(page)
            assert_no_sideways_scroll(page, path)
    context.close()


def test_tables_become_cards_with_their_actions(browser, live_server, ids):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url)
    for path in TABLE_PAGES:
        with screenshot_on_failure(page, "phone-table" + path.replace("/", "-")):
            page.goto(live_server.url + path)
            settle(page)
            rows = page.locator("table.stack tbody tr")
            expect(rows.first).to_be_visible()
            # A card: the column's name is shown beside each value, the header row is out of sight.
            assert page.locator("table.stack thead").first.bounding_box()["height"] <= 1
            cell = page.locator("table.stack tbody td[data-label]").first
            label = page.evaluate("c => getComputedStyle(c, '::before').content", cell.element_handle())
            assert label.strip('"') == cell.get_attribute("data-label")
            assert_actions_visible(page, path)
            assert_no_sideways_scroll(page, path)
    page.goto(live_server.url + "/events")
    delete = page.locator("table.stack td.actions").first.get_by_role("link", name="Delete")
    delete.scroll_into_view_if_needed()
    expect(delete).to_be_in_viewport(ratio=1)  # wholly on screen, not clipped at the right edge
    context.close()


def test_phone_menu_and_cards_without_javascript(browser, live_server, ids):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server.url)
    for path in ("/", "/commands", "/templates"):
        page.goto(live_server.url + path)
        assert_menu_shows_every_section(page)
        assert_actions_visible(page, path)
        assert_no_sideways_scroll(page, path)
    context.close()
