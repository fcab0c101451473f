"""Failed sign-in throttling over real HTTP and the real clock, shared by web processes through the database."""

from __future__ import annotations

import re
import time

import pytest
import requests

from app.extensions import db
from app.models import AuthFailure
from tests.conftest import TEST_KEY
from tests.support import LiveServer

WINDOW = 6  # seconds: long enough for a handful of requests on a loaded machine, short enough to wait out


def at_window_start() -> None:
    """Wait until a fresh window has just begun, so that a test's attempts all fall in one window."""
    while time.time() % WINDOW > 0.3:
        time.sleep(0.05)


@pytest.fixture
def throttled(make_app, tmp_path, database_url):
    """An in-process app and a waitress process on one database, both with low limits and a short window."""
    security = {"login_attempts_per_minute": 3, "api_failures_per_minute": 5, "throttle_window_seconds": WINDOW}
    app = make_app({"security": security})
    env = {f"CHRONOS__SECURITY__{name.upper()}": str(value) for name, value in security.items()}
    server = LiveServer(tmp_path / "live", TEST_KEY, with_daemon=False, database_url=database_url, **env).start()
    with app.app_context():
        yield app, server
    server.stop()


def get(url: str, **kwargs) -> requests.Response:
    return requests.get(url, timeout=10, **kwargs)


def sign_in(session: requests.Session, url: str, key: str) -> requests.Response:
    page = session.get(f"{url}/login", timeout=10)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    return session.post(f"{url}/login", data={"api_key": key, "csrf_token": token}, allow_redirects=False, timeout=10)


def test_failed_sign_ins_lock_the_address_out_until_the_window_is_over(throttled):
    _app, server = throttled
    browser = requests.Session()
    at_window_start()
    for _ in range(3):
        assert sign_in(browser, server.url, "wrong-key-0000").status_code == 401
    locked = sign_in(browser, server.url, TEST_KEY)  # the right key too
    assert locked.status_code == 429
    wait = int(locked.headers["Retry-After"])
    assert 1 <= wait <= WINDOW
    assert f"Too many failed sign-ins from your address. Try again in {wait} seconds." in locked.text
    # The API counts its own failures: a good bearer key still works meanwhile.
    api = get(f"{server.url}/api/v1/notes", headers={"Authorization": f"Bearer {TEST_KEY}"})
    assert api.status_code == 200

    time.sleep(wait + 0.2)
    assert sign_in(browser, server.url, TEST_KEY).status_code == 302
    assert browser.get(f"{server.url}/", allow_redirects=False, timeout=10).status_code == 200


def test_wrong_bearer_keys_counted_by_two_processes_lock_out_the_api(throttled):
    app, server = throttled
    client = app.test_client()  # the same address (127.0.0.1) as the requests to the waitress process
    wrong = {"Authorization": "Bearer not-a-key-123"}
    good = {"Authorization": f"Bearer {TEST_KEY}"}
    at_window_start()
    for _ in range(3):
        assert get(f"{server.url}/api/v1/events", headers=wrong).status_code == 401
    for _ in range(2):
        assert client.get("/api/v1/events", headers=wrong).status_code == 401
    assert get(f"{server.url}/api/v1/events").status_code == 401  # no key at all is not counted
    assert db.session.query(AuthFailure).one().count == 5

    refused = client.get("/api/v1/events", headers=good)
    assert refused.status_code == 429 and refused.json["error"]["code"] == "too_many_requests"
    time.sleep(1.1)  # each process trusts what it read of the counts for a second
    remote = get(f"{server.url}/api/v1/events", headers=good)
    assert remote.status_code == 429
    wait = int(remote.headers["Retry-After"])
    assert 1 <= wait <= WINDOW and remote.json()["error"]["details"] == {"retry_after": wait}
    assert get(f"{server.url}/api/v1/sync/health").status_code == 200  # public routes stay open

    time.sleep(wait + 0.2)
    assert get(f"{server.url}/api/v1/events", headers=good).status_code == 200
    assert client.get("/api/v1/events", headers=good).status_code == 200
