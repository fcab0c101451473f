"""Forms and lists in a real browser: every error at once beside its field, no lingering messages, the events
list opening on today with local spans and relative times — with and without JavaScript."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.dashboard_support import api, screenshot_on_failure, settle

LONG_TITLE = "x" * 10_000


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def submit_bad_event(page, base_url: str) -> None:
    """A 10,000-character title (past the input's maxlength, as a script could send) and an end before the start."""
    page.goto(base_url + "/events/new")
    title = page.locator("#new-title")
    title.fill(LONG_TITLE)
    assert len(title.input_value()) == int(title.get_attribute("maxlength")) == 200  # the browser stops at the limit
    page.evaluate("document.getElementById('new-title').removeAttribute('maxlength')")
    title.fill(LONG_TITLE)
    page.fill("#new-start_time", "2030-05-06T10:00")
    page.fill("#new-end_time", "2030-05-06T09:00")
    page.get_by_role("button", name="Create event").click()


def assert_both_errors(page, prefix: str) -> None:
    expect(page.locator(f"#{prefix}title-error")).to_have_text("Title can be at most 200 characters long.")
    expect(page.locator(f"#{prefix}end_time-error")).to_have_text("End must be after start.")
    for field in ("title", "end_time"):
        control = page.locator(f"#{prefix}{field}")
        expect(control).to_have_attribute("aria-invalid", "true")
        expect(control).to_have_attribute("aria-describedby", f"{prefix}{field}-error")
        expect(control).to_have_accessible_description(re.compile(r"\w"))


def test_every_error_at_once_beside_its_field(page, live_server):
    page.problems.allow(r"status of 422")  # the form comes back with its errors as 422, on purpose
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "form-errors"):
        submit_bad_event(page, live_server.url)
        assert_both_errors(page, "new-")
        expect(page.locator("main")).not_to_contain_text("end_time")


def test_every_error_at_once_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    context.problems.allow(r"status of 422")
    page = context.new_page()
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "form-errors-no-js"):
        page.goto(live_server.url + "/events/new")
        page.fill("#new-title", "")
        page.fill("#new-start_time", "2030-05-06T10:00")
        page.fill("#new-end_time", "2030-05-06T09:00")
        page.get_by_role("button", name="Create event").click()
        expect(page.locator("#new-title-error")).to_have_text("Title is required.")
        expect(page.locator("#new-end_time-error")).to_have_text("End must be after start.")
    context.close()


def test_inline_edit_errors_then_save_and_no_lingering_created_message(page, live_server):
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "flash-lingers"):
        page.goto(live_server.url + "/events/new")
        page.fill("#new-title", "Flash check")
        page.get_by_role("button", name="Create event").click()
        expect(page.locator("#flashes")).to_contain_text("Event “Flash check” created.")
        page.evaluate("window.chronosNoReload = true")
        page.locator("#event-detail summary").click()
        page.fill("#ev-title", "")
        page.fill("#ev-end_time", "2000-01-01T00:00")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#ev-title-error")).to_have_text("Title is required.")
        expect(page.locator("#ev-end_time-error")).to_have_text("End must be after start.")
        expect(page.locator("#flashes")).to_contain_text("created")  # nothing changed yet
        page.fill("#ev-title", "Flash checked")
        page.locator("#ev-end_time").fill(page.locator("#ev-start_time").input_value())
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#event-detail h1")).to_have_text("Flash checked")
        expect(page.locator("#event-detail")).to_contain_text("Saved.")
        expect(page.locator("#flashes")).to_be_empty()  # the "created" message went with the change
        assert page.evaluate("window.chronosNoReload") is True
        # htmx's own indicator styles would be an inline <style> the CSP refuses; they are ours, in app.css.
        assert page.evaluate("htmx.config.includeIndicatorStyles") is False
        assert page.evaluate("document.querySelectorAll('style').length") == 0
        settle(page)


def test_events_open_on_today_upcoming_first_with_relative_times(page, live_server):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    api(live_server, "POST", "/events", {"title": "Yesterday gone", "start_time": stamp(now - timedelta(days=2))})
    later = now + timedelta(days=3)
    api(live_server, "POST", "/events", {"title": "Later sync", "start_time": stamp(later)})
    soon = now + timedelta(hours=2, minutes=10)
    api(
        live_server,
        "POST",
        "/events",
        {"title": "Soon sync", "start_time": stamp(soon), "end_time": stamp(soon + timedelta(minutes=45))},
    )
    sign_in(page, live_server.url)
    with screenshot_on_failure(page, "events-order"):
        page.goto(live_server.url + "/events")
        expect(page.locator("#event-anchor")).to_have_value(re.compile(r"\d{4}-\d{2}-\d{2}"))
        titles = page.locator("#event-results tbody tr .event-title").all_inner_texts()
        assert "Yesterday gone" not in titles
        assert titles.index("Soon sync") < titles.index("Later sync")
        row = page.locator("#event-results tbody tr", has_text="Soon sync")
        expect(row.locator("td.when time").first).to_have_text(
            re.compile(r"^\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d–\d\d:\d\d$")
        )
        relative = row.locator("td.when .muted time")
        expect(relative).to_have_text("in 2 h")
        expect(relative).to_have_attribute("title", re.compile(r"\d\d:\d\d \(.+\)$"))  # the exact time on hover
        expect(relative).to_have_attribute("datetime", re.compile(r"Z$"))


def test_health_badge_and_times_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server.url)
    expect(page.locator("#health-badge")).to_have_text(re.compile(r"^\s*(healthy|degraded)"))
    page.goto(live_server.url + "/status/badge")
    expect(page.locator("main")).not_to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"))
    context.close()


def test_a_csp_violation_is_caught_by_every_test(page, live_server):
    """The recorder every browser test has sees an inline style the policy refuses (so a real one fails the test)."""
    sign_in(page, live_server.url)
    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<p style="color: red">inline</p>')""")
    page.wait_for_timeout(300)
    seen = page.problems.messages
    assert any(message.startswith("console: CSP violation: style-src") for message in seen), seen
    page.problems.allow(r"CSP violation|Content Security Policy")  # provoked on purpose here
