"""Signing in and out of the dashboard in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_login_shows_dashboard_then_logout(page, live_server):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    sign_in(page, live_server.url)
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    # The health badge loads itself through htmx and reports the running daemon.
    expect(page.locator("#health-badge")).to_have_text(re.compile("healthy"), timeout=30000)
    # A key of our own is configured, so the default-key warning stays away.
    expect(page.locator(".banner-warning")).to_have_count(0)
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    assert page.problems.messages == []


def test_wrong_key_shows_an_error(page, live_server):
    page.problems.allow(r"status of 401")  # the refused sign-in answers 401 on purpose
    sign_in(page, live_server.url, key="not-the-key")
    expect(page.locator(".field-error")).to_have_text("That key is not an admin key of this server.")
    expect(page).to_have_url(re.compile(r"/login"))


def test_docs_load_without_console_errors_or_blocked_resources(page, live_server):
    page.goto(live_server.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Chronos Engine API", timeout=15000)
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.problems.messages == []
