"""The dashboard's interactions in a real browser against real web and daemon processes."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.dashboard_support import api, make_failed_command, problems, screenshot_on_failure, settle


def test_active_search_narrows_and_highlights(page, live_server):
    api(live_server, "POST", "/events", {"title": "Zeppelin hangar tour", "start_time": "2030-02-01T09:00:00Z"})
    api(live_server, "POST", "/events", {"title": "Zebra crossing survey", "start_time": "2030-02-02T09:00:00Z"})
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "active-search"):
        page.goto(live_server.url + "/events?direction=all&range=-1")
        rows = page.locator("#event-results tbody tr")
        page.locator("#event-q").press_sequentially("ze", delay=60)
        expect(page.locator("#event-results")).to_contain_text("Zebra crossing survey")
        expect(page.locator("#event-results")).to_contain_text("Zeppelin hangar tour")
        page.locator("#event-q").press_sequentially("bra", delay=60)
        expect(rows).to_have_count(1)
        expect(rows.first.locator("mark")).to_have_text("Zebra")
        expect(page).to_have_url(re.compile(r"q=zebra"))  # the URL follows the search
        assert problems(page) == [], page.problems.messages


def test_week_navigation_updates_url_and_history(page, live_server):
    api(live_server, "POST", "/events", {"title": "Week one marker", "start_time": "2030-01-08T09:00:00Z"})
    api(live_server, "POST", "/events", {"title": "Week two marker", "start_time": "2030-01-15T09:00:00Z"})
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "week-navigation"):
        page.goto(live_server.url + "/calendar/week?start=2030-01-07")
        expect(page.locator("#calendar")).to_contain_text("Week one marker")
        page.evaluate("window.chronosNoReload = true")
        page.get_by_role("link", name="Next ›").click()
        expect(page).to_have_url(re.compile(r"/calendar/week\?start=2030-01-14"))
        expect(page.locator("#calendar")).to_contain_text("Week two marker")
        assert page.evaluate("window.chronosNoReload") is True  # swapped in place, not reloaded
        page.go_back()
        expect(page).to_have_url(re.compile(r"start=2030-01-07"))
        expect(page.locator("#calendar")).to_contain_text("Week one marker")
        page.go_forward()
        expect(page.locator("#calendar")).to_contain_text("Week two marker")
        page.keyboard.press("p")  # keyboard: previous week
        expect(page).to_have_url(re.compile(r"start=2030-01-07"))
        assert problems(page) == [], page.problems.messages


def test_inline_template_edit_error_then_save_then_delete(page, live_server):
    created = api(live_server, "POST", "/templates", {"title": "Inline edit me", "default_time": "08:00"})
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "template-inline-edit"):
        page.goto(live_server.url + "/templates?q=inline")
        page.evaluate("window.chronosNoReload = true")
        row = page.locator(f"#template-{created['id']}")
        row.get_by_role("link", name="Edit").click()
        prefix = f"#t{created['id']}-"
        page.fill(prefix + "title", "Inline edited")
        page.fill(prefix + "duration_minutes", "1.5")  # a number field takes no letters; a fraction it does
        page.locator(prefix + "duration_minutes").press("Tab")  # checked as soon as the field changes
        expect(page.locator(prefix + "duration_minutes-error")).to_contain_text("whole number")
        page.fill(prefix + "duration_minutes", "")
        page.locator(prefix + "duration_minutes").press_sequentially("0")
        # The check and the save both run; wait for the save's answer (it re-renders the row) before typing on.
        with page.expect_response(
            lambda r: r.request.method == "POST" and "/check/" not in r.url and f"/templates/{created['id']}" in r.url
        ):
            page.get_by_role("button", name="Save").click()
        expect(page.locator(prefix + "duration_minutes-error")).to_contain_text("1 to 1440")
        expect(page.locator(prefix + "duration_minutes-error")).to_contain_text("whole number")
        page.fill(prefix + "duration_minutes", "50")
        page.get_by_role("button", name="Save").click()
        expect(row).to_contain_text("Inline edited")
        expect(row).to_contain_text("50 min")
        assert page.evaluate("window.chronosNoReload") is True
        assert api(live_server, "GET", f"/templates/{created['id']}")["title"] == "Inline edited"
        row.get_by_role("link", name="Delete").click()  # the dialog is accepted
        expect(row).to_have_count(0)
        assert page.evaluate("window.chronosNoReload") is True
        assert problems(page) == [], page.problems.messages


def test_using_a_template_creates_a_searchable_event(page, live_server):
    created = api(live_server, "POST", "/templates", {"title": "Quokka retrospective", "default_time": "11:00"})
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "template-use"):
        page.goto(live_server.url + f"/templates/{created['id']}/use")
        page.fill("#use-on", "2030-03-04")
        page.get_by_role("button", name="Create event").click()
        expect(page.locator("h1")).to_have_text("Quokka retrospective")
        page.goto(live_server.url + "/events?direction=all&range=-1")
        page.locator("#event-q").press_sequentially("quokka", delay=40)
        expect(page.locator("#event-results tbody tr")).to_have_count(1)
        assert api(live_server, "GET", f"/templates/{created['id']}")["usage_count"] == 1


def test_retry_and_queue_refresh(page, live_server):
    command_id = make_failed_command(live_server, "e2e-hub")
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "command-queue"):
        page.goto(live_server.url + "/commands?system=e2e-hub")
        row = page.locator(f"#command-{command_id}")
        expect(row).to_contain_text("failed")
        row.get_by_role("button", name="Retry").click()
        expect(row.locator(".pill")).to_have_text("pending")
        assert api(live_server, "GET", "/commands?system_id=e2e-hub")["items"][0]["status"] == "pending"
        # a new command shows up by itself (the list polls every 5 s)
        api(
            live_server,
            "POST",
            "/events",
            {"title": "ACTION: STATUS e2e-hub now", "start_time": "2030-01-07T10:00:00Z"},
        )
        expect(page.locator("#command-queue")).to_contain_text("STATUS", timeout=12000)
        expect(page).to_have_url(re.compile(r"system=e2e-hub"))  # the filter survived the refresh
        assert problems(page) == [], page.problems.messages


def test_sync_now_shows_progress_then_result(page, live_server):
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "sync-now"):
        page.goto(live_server.url + "/sync")
        settle(page)
        page.get_by_role("button", name="Sync now").click()
        expect(page.locator("#sync-job")).to_contain_text("Sync ")
        expect(page.locator("#sync-job .pill")).to_have_text("succeeded", timeout=30000)
        expect(page.locator("#sync-job")).to_contain_text("received")
        assert problems(page) == [], page.problems.messages


def test_without_javascript_search_and_template_save_work(browser, live_server):
    api(live_server, "POST", "/events", {"title": "Narwhal feeding", "start_time": "2030-04-01T09:00:00Z"})
    created = api(live_server, "POST", "/templates", {"title": "No script template"})
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        with screenshot_on_failure(page, "no-javascript"):
            sign_in(page, live_server.url)
            page.goto(live_server.url + "/events")
            page.fill("#event-q", "narwhal")
            page.select_option("#event-range", "-1")
            page.get_by_role("button", name="Search").click()
            expect(page.locator("#event-results tbody tr")).to_have_count(1)
            expect(page.locator("#event-results mark")).to_have_text("Narwhal")
            page.goto(live_server.url + "/templates")
            page.locator(f"#template-{created['id']}").get_by_role("link", name="Edit").click()
            expect(page).to_have_url(re.compile(rf"/templates/{created['id']}/edit"))
            page.fill(f"#t{created['id']}-title", "Saved without script")
            page.get_by_role("button", name="Save").click()
            expect(page.locator(".flash-success")).to_contain_text("Saved without script")
            assert api(live_server, "GET", f"/templates/{created['id']}")["title"] == "Saved without script"
    finally:
        context.close()
