"""Calendar views in a real Chromium: colours per calendar, crowded hours, drag and keyboard moves, read-only
events, the no-JavaScript path and the phone layouts; no console error or CSP violation in any flow.

With UPDATE_SCREENSHOTS=1 the last test also refreshes docs/screenshots/{week,month,today}[-phone].png.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.dashboard_support import ROOT, api, problems, screenshot_on_failure, settle

WEEK = "/calendar/week?start=2030-01-07"  # Monday 7 .. Sunday 13 January 2030; the tests' server runs in UTC


def make(server, title: str, start: str, end: str, calendar: str = "local") -> dict:
    body = {"title": title, "start_time": start, "end_time": end, "calendar_id": calendar}
    return api(server, "POST", "/events", body)


def stored(server, event_id: int) -> tuple[str, str]:
    event = api(server, "GET", f"/events/{event_id}")
    return event["start_time"], event["end_time"]


def color_of(locator, prop: str = "background-color") -> str:
    return locator.evaluate(f"(el) => getComputedStyle(el).getPropertyValue('{prop}')")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in found if v["impact"] in ("serious", "critical")]


def open_week(page, server, path: str = WEEK) -> None:
    page.goto(server.url + path)
    settle(page)


def drag(page, source_box: dict, to_x: float, to_y: float, from_y: float | None = None) -> None:
    """Press on the middle of a box (or at ``from_y``), move in steps, release."""
    x, y = source_box["x"] + source_box["width"] / 2, from_y or source_box["y"] + source_box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(to_x, to_y, steps=12)
    page.mouse.up()


def row_height(page, day: str) -> float:
    return page.locator(f'.wk-day[data-day="{day}"]').bounding_box()["height"] / 96


def test_each_calendar_has_its_colour_everywhere(page, live_server):
    work = make(live_server, "Colour work", "2030-01-08T09:00:00Z", "2030-01-08T10:00:00Z", "work")
    home = make(live_server, "Colour home", "2030-01-08T11:00:00Z", "2030-01-08T12:00:00Z", "home")
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "calendar-colours"):
        page.set_viewport_size({"width": 1280, "height": 800})
        open_week(page, live_server)
        work_block, home_block = page.locator(f"#ev-{work['id']}"), page.locator(f"#ev-{home['id']}")
        work_color, home_color = color_of(work_block), color_of(home_block)
        assert work_color != home_color and "0, 0, 0, 0" not in work_color
        assert color_of(work_block, "color") in ("rgb(255, 255, 255)", "rgb(17, 24, 39)")
        legend = page.get_by_role("list", name="Calendars")
        expect(legend).to_contain_text("work")
        assert color_of(legend.locator(".cal-work")) == work_color
        page.goto(live_server.url + "/calendar/month?month=2030-01")
        assert color_of(page.locator(".mo-events li.cal-work").first, "--cal").strip() != ""
        page.goto(live_server.url + "/events?direction=all&range=-1&q=colour")
        chip = page.locator(f"#event-{work['id']} .cal-cell")
        assert chip.evaluate("(el) => getComputedStyle(el, '::before').backgroundColor") == work_color
        assert problems(page) == [], page.problems.messages


def test_five_overlapping_events_stay_readable_with_plus_n(page, live_server):
    titles = [f"Crowd {n}" for n in range(5)]
    for title in titles:
        make(live_server, title, "2030-01-09T10:00:00Z", "2030-01-09T11:00:00Z")
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "calendar-crowd"):
        page.set_viewport_size({"width": 1280, "height": 800})
        open_week(page, live_server)
        day = page.locator('.wk-day[data-day="2030-01-09"]')
        shown = day.locator(".wk-event", has_text="Crowd")
        expect(shown).to_have_count(2)
        boxes = [shown.nth(i).bounding_box() for i in range(2)]
        assert all(box["width"] >= 40 for box in boxes), boxes  # a readable width, not slivers
        assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"] + 1  # side by side, not on top of each other
        more = day.locator("details.wk-more summary")
        expect(more).to_have_text("+3")
        hidden = day.locator("details.wk-more li")
        expect(hidden.first).to_be_hidden()
        more.click()
        expect(hidden).to_have_count(3)
        for i in range(3):
            expect(hidden.nth(i)).to_be_visible()
        listed = set(hidden.all_inner_texts()) | set(shown.all_inner_texts())
        assert {re.sub(r"^\d\d:\d\d\s*", "", text).strip() for text in listed} == set(titles)
        assert problems(page) == [], page.problems.messages


def test_dragging_moves_an_event_and_resizing_changes_its_end(page, live_server):
    moved = make(live_server, "Drag me", "2030-01-08T09:00:00Z", "2030-01-08T10:00:00Z")
    sized = make(live_server, "Stretch me", "2030-01-10T13:00:00Z", "2030-01-10T14:00:00Z")
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "calendar-drag"):
        page.set_viewport_size({"width": 1280, "height": 800})
        open_week(page, live_server)
        block = page.locator(f"#ev-{moved['id']}")
        block.scroll_into_view_if_needed()
        box, target = block.bounding_box(), page.locator('.wk-day[data-day="2030-01-07"]').bounding_box()
        step = row_height(page, "2030-01-07")
        drag(page, box, target["x"] + target["width"] / 2, box["y"] + box["height"] / 2 + 4 * step)
        expect(page.locator("#cal-announce")).to_contain_text("Saved")
        settle(page)  # the week is laid out again from the server
        assert stored(live_server, moved["id"]) == ("2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z")
        expect(page.locator('.wk-day[data-day="2030-01-07"]').locator(f"#ev-{moved['id']}")).to_have_count(1)
        assert page.url.endswith(WEEK)  # the drag did not open the event

        block = page.locator(f"#ev-{sized['id']}")
        block.scroll_into_view_if_needed()
        box = block.bounding_box()
        bottom = box["y"] + box["height"] - 2
        drag(page, box, box["x"] + box["width"] / 2, bottom + 2 * step, from_y=bottom)
        expect(page.locator("#cal-announce")).to_contain_text("Stretch me")
        assert stored(live_server, sized["id"]) == ("2030-01-10T13:00:00Z", "2030-01-10T14:30:00Z")
        assert problems(page) == [], page.problems.messages


def touch(cdp, kind: str, x: float = 0, y: float = 0) -> None:
    """One touch event of a single finger, as a phone's screen sends it."""
    points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def test_on_a_touch_screen_holding_an_event_picks_it_up_and_a_swipe_does_not(browser, live_server):
    held = make(live_server, "Hold me", "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z")
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.problems = context.problems
    cdp = context.new_cdp_session(page)
    try:
        sign_in(page, live_server.url)
        with screenshot_on_failure(page, "calendar-touch"):
            open_week(page, live_server)
            block = page.locator(f"#ev-{held['id']}")
            block.scroll_into_view_if_needed()
            box, step = block.bounding_box(), row_height(page, "2030-01-07")
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

            touch(cdp, "touchStart", x, y)  # a swipe: the finger moves at once, so the event stays put
            for n in range(1, 6):
                touch(cdp, "touchMove", x, y + n * step)
            touch(cdp, "touchEnd")
            page.wait_for_timeout(600)
            assert "is-pending" not in (block.get_attribute("class") or "")
            assert stored(live_server, held["id"]) == ("2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z")

            box = block.bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            touch(cdp, "touchStart", x, y)  # held still for a moment, then moved down two hours
            expect(page.locator("#cal-announce")).to_contain_text("drag to move it")
            for n in range(1, 9):
                touch(cdp, "touchMove", x, y + n * step)
            touch(cdp, "touchEnd")
            expect(page.locator("#cal-announce")).to_contain_text("Saved")
            assert stored(live_server, held["id"]) == ("2030-01-07T11:00:00Z", "2030-01-07T12:00:00Z")
            assert page.url.endswith(WEEK)  # lifting the finger did not open the event
            assert problems(page) == [], page.problems.messages
    finally:
        context.close()


def test_keyboard_moves_and_escape_cancels(page, live_server):
    event = make(live_server, "Keyboard me", "2030-01-11T08:00:00Z", "2030-01-11T09:00:00Z")
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "calendar-keyboard"):
        open_week(page, live_server)
        block = page.locator(f"#ev-{event['id']}")
        block.focus()
        page.keyboard.press("ArrowDown")
        expect(page.locator("#cal-announce")).to_contain_text("08:15 to 09:15")
        page.keyboard.press("Escape")
        expect(page.locator("#cal-announce")).to_contain_text("cancelled")
        assert stored(live_server, event["id"]) == ("2030-01-11T08:00:00Z", "2030-01-11T09:00:00Z")
        block.focus()
        for key in ("ArrowDown", "ArrowDown", "ArrowLeft", "Shift+ArrowDown"):
            page.keyboard.press(key)
        expect(page.locator("#cal-announce")).to_contain_text("Thu 10 Jan 08:30 to 09:45")
        page.keyboard.press("Enter")
        expect(page.locator("#cal-announce")).to_contain_text("Saved")
        assert stored(live_server, event["id"]) == ("2030-01-10T08:30:00Z", "2030-01-10T09:45:00Z")
        expect(page.locator(f"#ev-{event['id']}")).to_be_focused()  # focus stays on the moved event
        assert page.url.endswith(WEEK)
        assert problems(page) == [], page.problems.messages


def test_read_only_events_cannot_be_dragged_and_say_why(page, live_server):
    from tests.e2e.test_dashboard_pages import wait_for_first_sync

    wait_for_first_sync(live_server)
    demo = api(live_server, "GET", "/events?calendar=primary&page_size=50")["items"]
    timed = next(item for item in demo if not item["all_day"])
    day = timed["start_time"][:10]
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "calendar-read-only"):
        page.set_viewport_size({"width": 1280, "height": 800})
        open_week(page, live_server, f"/calendar/week?start={day}")
        block = page.locator(f"#ev-{timed['id']}")
        assert block.get_attribute("data-start") is None and block.get_attribute("data-locked") == "demo"
        block.scroll_into_view_if_needed()
        box = block.bounding_box()
        drag(page, box, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 60)
        expect(page.locator("#cal-announce")).to_contain_text("read-only")
        assert stored(live_server, timed["id"]) == (timed["start_time"], timed["end_time"])
        block.focus()
        page.keyboard.press("ArrowDown")
        expect(page.locator("#cal-announce")).to_contain_text("read-only calendar of demo")
        assert stored(live_server, timed["id"]) == (timed["start_time"], timed["end_time"])
        assert problems(page) == [], page.problems.messages


def test_without_javascript_the_event_link_opens_the_edit_form(browser, live_server):
    event = make(live_server, "No script move", "2030-01-12T15:00:00Z", "2030-01-12T16:00:00Z")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server.url)
        page.goto(live_server.url + WEEK)
        page.locator(f"#ev-{event['id']}").click()
        expect(page).to_have_url(re.compile(rf"/events/{event['id']}$"))
        page.get_by_text("Edit", exact=True).click()
        page.fill("#ev-start_time", "2030-01-12T17:00")
        page.fill("#ev-end_time", "2030-01-12T18:30")
        page.get_by_role("button", name="Save").click()
        assert stored(live_server, event["id"]) == ("2030-01-12T17:00:00Z", "2030-01-12T18:30:00Z")
    finally:
        context.close()


def test_phone_month_shows_dots_and_the_chosen_day(page, live_server):
    make(live_server, "Phone work", "2030-01-15T09:00:00Z", "2030-01-15T10:00:00Z", "work")
    make(live_server, "Phone home", "2030-01-15T18:00:00Z", "2030-01-15T19:00:00Z", "home")
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "calendar-phone-month"):
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(live_server.url + "/calendar/month?month=2030-01")
        settle(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        cell = page.locator(".mo-day", has=page.locator('a[href*="day=2030-01-15"]'))
        expect(cell.locator(".mo-events")).to_be_hidden()
        dots = cell.locator(".mo-dots .dot")
        expect(dots).to_have_count(2)
        assert color_of(dots.nth(0)) != color_of(dots.nth(1))
        assert dots.nth(0).bounding_box()["width"] > 4
        cell.locator(".mo-date").click()
        expect(page).to_have_url(re.compile(r"day=2030-01-15"))
        chosen = page.locator("#mo-chosen")
        expect(chosen.locator("h2")).to_have_text("Tuesday 15 January")
        expect(chosen).to_contain_text("Phone work")
        expect(chosen).to_contain_text("Phone home")
        expect(chosen).to_be_in_viewport()
        assert problems(page) == [], page.problems.messages


def test_phone_week_shows_a_few_days_that_swipe(page, live_server):
    make(live_server, "Phone week", "2030-01-13T09:00:00Z", "2030-01-13T10:00:00Z")
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "calendar-phone-week"):
        page.set_viewport_size({"width": 390, "height": 844})
        open_week(page, live_server)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        heads = page.locator(".wk-dayhead")
        visible = [box for box in (heads.nth(i).bounding_box() for i in range(7)) if box["x"] + box["width"] <= 391]
        assert 1 <= len(visible) <= 3, visible
        scroller = page.locator(".week-scroll")
        assert scroller.evaluate("(el) => getComputedStyle(el).scrollSnapType").startswith("x")
        scroller.evaluate("(el) => el.scrollBy({left: 150})")  # a swipe, roughly: it snaps onto a day
        page.wait_for_timeout(400)
        left = scroller.evaluate("(el) => el.scrollLeft")
        width = heads.nth(1).bounding_box()["width"]
        assert left > 0 and abs(left / width - round(left / width)) < 0.05, (left, width)
        page.get_by_role("navigation", name="Days of this week").get_by_role("link", name="Sun 13").click()
        expect(page.locator("#wk-2030-01-13")).to_be_in_viewport()
        expect(page.locator(".wk-event", has_text="Phone week")).to_be_in_viewport()
        open_week(page, live_server, "/calendar/week")  # this week opens on today's column
        expect(page.locator(".wk-dayhead.is-today")).to_be_in_viewport()
        assert problems(page) == [], page.problems.messages


def test_today_lays_out_overlaps_and_moves_with_the_keyboard(page, live_server):
    today = datetime.now(UTC).date().isoformat()
    first = make(live_server, "Today one", f"{today}T16:00:00Z", f"{today}T17:00:00Z")
    second = make(live_server, "Today two", f"{today}T16:30:00Z", f"{today}T17:30:00Z")
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "calendar-today"):
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(live_server.url + "/")
        settle(page)
        one, two = page.locator(f".today-grid #ev-{first['id']}"), page.locator(f".today-grid #ev-{second['id']}")
        a, b = one.bounding_box(), two.bounding_box()
        assert a["x"] + a["width"] <= b["x"] + 1 and b["width"] >= 40  # side by side
        one.focus()
        page.keyboard.press("ArrowUp")
        page.keyboard.press("Enter")
        expect(page.locator("#cal-announce")).to_contain_text("Saved")
        assert stored(live_server, first["id"]) == (f"{today}T15:45:00Z", f"{today}T16:45:00Z")
        settle(page)
        expect(page.locator(f".today-grid #ev-{first['id']}")).to_be_focused()
        assert problems(page) == [], page.problems.messages


def test_calendar_pages_load_cleanly_and_refresh_screenshots(page, live_server):
    from tests.e2e.test_dashboard_pages import wait_for_first_sync

    wait_for_first_sync(live_server)
    today = datetime.now(UTC).date().isoformat()
    for n in range(5):  # a crowded hour, so the screenshots show the "+N"
        make(live_server, f"Team sync {n + 1}", f"{today}T14:00:00Z", f"{today}T15:00:00Z")
    shots = os.environ.get("UPDATE_SCREENSHOTS") == "1"
    sign_in(page, live_server.url)
    for suffix, size in (("", {"width": 1280, "height": 800}), ("-phone", {"width": 390, "height": 844})):
        page.set_viewport_size(size)
        for name, path in (("week", "/calendar/week"), ("month", "/calendar/month"), ("today", "/")):
            with screenshot_on_failure(page, f"calendar-{name}{suffix}"):
                page.goto(live_server.url + path)
                settle(page)
                assert problems(page) == [], (path, page.problems.messages)
                more = page.locator("details.wk-more summary")
                if more.count():
                    more.first.click()  # the open "+N" list is checked too
                assert serious_violations(page) == [], path
                if more.count():
                    more.first.click()
                if shots:
                    page.screenshot(path=str(ROOT / "docs" / "screenshots" / f"{name}{suffix}.png"))
