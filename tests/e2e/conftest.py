"""Browser tests: a real Chromium driven by Playwright against real web and daemon processes.

Chromium is found through CHRONOS_CHROMIUM, the system's `chromium`, or Playwright's own download.
Without a browser these tests skip locally, but fail under CI=true so that CI never passes without them.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import TEST_KEY
from tests.support import LiveServer

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def find_chromium() -> str | None:
    configured = os.environ.get("CHRONOS_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None  # fall back to Playwright's own browser, if it was ever downloaded


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[e2e]')")
    manager = sync_playwright().start()
    try:
        launched = manager.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
    except Error as exc:
        manager.stop()
        _unavailable(
            f"no Chromium could be started ({str(exc).splitlines()[0]}); install Debian's chromium "
            "or set CHRONOS_CHROMIUM"
        )
    yield launched
    launched.close()
    manager.stop()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("e2e") / "instance", TEST_KEY).start()
    yield server
    server.stop()


class PageProblems:
    """Console errors, page errors and failed or blocked requests seen by a page."""

    def __init__(self, page):
        self.messages: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.messages.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.messages.append(f"page error: {exc}"))
        page.on("requestfailed", self._request_failed)

    def _request_failed(self, request) -> None:
        # ERR_ABORTED means the browser cancelled the request itself because the page navigated away
        # (a favicon still loading when a form submits, say); that is not a fault of the page.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.messages.append(f"failed: {request.url} {request.failure}")


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.problems = PageProblems(page)
    yield page
    context.close()


def sign_in(page, base_url: str, key: str = TEST_KEY) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#api_key", key)
    page.click("button[type=submit]")
