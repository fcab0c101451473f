"""axe-core on every dashboard page, at desktop and phone size, light and dark: no serious or critical violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import sign_in
from tests.e2e.dashboard_support import DASHBOARD_PAGES, page_url, screenshot_on_failure, seed, settle

# How pages look to people: the same whichever database holds the rows, so checked on SQLite only.
pytestmark = pytest.mark.presentation

BLOCKING = ("serious", "critical")
# Rules a page is known to break, by path (none now; an entry needs a reason beside it).
KNOWN: dict[str, set[str]] = {}


@pytest.fixture(scope="module")
def ids(live_server):
    return seed(live_server)


def blocking_violations(page) -> list[str]:
    """'rule-id (impact): the first offending elements' for each serious or critical violation on the page."""
    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = ", ".join(
                f"{node['target']} {node.get('failureSummary', '')[:160]!r} {node.get('html', '')[:120]!r}"
                for node in violation["nodes"][:3]
            )
            found.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}x): {targets}")
    return found


@pytest.mark.parametrize(
    ("viewport", "scheme"),
    [
        ({"width": 1280, "height": 800}, "light"),
        ({"width": 390, "height": 844}, "light"),
        ({"width": 1280, "height": 800}, "dark"),
    ],
    ids=["desktop", "phone", "dark"],
)
def test_every_page_passes_axe(browser, live_server, ids, viewport, scheme):
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    report = {}
    page.goto(live_server.url + "/login")
    report["/login"] = blocking_violations(page)
    sign_in(page, live_server.url)
    for name, path, _heading in DASHBOARD_PAGES:
        with screenshot_on_failure(page, f"axe-{name}-{scheme}-{viewport['width']}"):
            page.goto(page_url(live_server, path, ids))
            settle(page)
            known = KNOWN.get(path, set())
            report[path] = [found for found in blocking_violations(page) if found.split(" ")[0] not in known]
    context.close()
    failing = {path: found for path, found in report.items() if found}
    assert not failing, "\n".join(f"{path}: {'; '.join(found)}" for path, found in failing.items())


def test_focus_is_visible_on_every_interactive_element(page, live_server, ids):
    """Tabbing through a page: each focused element draws an outline (or box shadow) of its own."""
    sign_in(page, live_server.url)
    for path in ("/events", "/templates", "/commands", "/keys"):
        page.goto(live_server.url + path)
        settle(page)
        page.locator("body").focus()
        for _ in range(25):
            page.keyboard.press("Tab")
            style = page.evaluate(
                """() => { const e = document.activeElement; const s = getComputedStyle(e);
                   return {tag: e.tagName, text: (e.textContent || e.name || '').trim().slice(0, 30),
                           outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
                           shadow: s.boxShadow !== 'none'}; }"""
            )
            if style["tag"] == "BODY":
                break
            assert style["outline"] or style["shadow"], (path, style)
