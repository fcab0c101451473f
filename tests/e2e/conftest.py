"""Browser tests: a real Chromium driven by Playwright against real web and daemon processes.

Chromium is found through CHRONOS_CHROMIUM, the system's `chromium`, or Playwright's own download.
Without a browser these tests skip locally, but fail under CI=true so that CI never passes without them.
"""

from __future__ import annotations

import os
import re
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


# Chromium reports a CSP violation on the console, but only a DOM event says what was blocked and where; the
# listener turns each event into a console error that the recorder below picks up like any other.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + (event.sourceFile || document.location.href) + ":" + event.lineNumber + " " + (event.sample || ""));
});
"""


class PageProblems:
    """Console errors, CSP violations, page errors and failed requests seen in one browser context.

    A test that provokes an error on purpose (a 401 from a wrong key, a 404 page) declares it with allow().
    """

    def __init__(self, context):
        self.messages: list[str] = []
        self.allowed: list[re.Pattern[str]] = []
        context.add_init_script(CSP_LISTENER)
        context.on("console", lambda msg: msg.type == "error" and self.messages.append(f"console: {msg.text}"))
        context.on("weberror", lambda error: self.messages.append(f"page error: {error.error}"))
        context.on("requestfailed", self._request_failed)

    def allow(self, pattern: str) -> None:
        """Expect messages matching ``pattern`` (a regular expression): they no longer fail the test."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(pattern.search(m) for pattern in self.allowed)]

    def _request_failed(self, request) -> None:
        # ERR_ABORTED means the browser cancelled the request itself because the page navigated away
        # (a favicon still loading when a form submits, say); that is not a fault of the page.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.messages.append(f"failed: {request.url} {request.failure}")


@pytest.fixture(autouse=True)
def fail_on_browser_problems(request, monkeypatch):
    """Every browser test fails on a console error, a CSP violation, a page error or a failed request, in any
    context it opens (the recorder is attached to each new context before the test uses it)."""
    recorders: list[PageProblems] = []
    if "browser" in request.fixturenames:
        browser = request.getfixturevalue("browser")
        open_context = browser.new_context

        def new_context(*args, **kwargs):
            context = open_context(*args, **kwargs)
            context.problems = PageProblems(context)
            recorders.append(context.problems)
            return context

        monkeypatch.setattr(browser, "new_context", new_context)
    yield
    found = [message for recorder in recorders for message in recorder.unexpected()]
    if found:
        pytest.fail("the browser reported problems:\n" + "\n".join(found), pytrace=False)


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.problems = context.problems
    yield page
    context.close()


def sign_in(page, base_url: str, key: str = TEST_KEY) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#api_key", key)
    page.click("button[type=submit]")
