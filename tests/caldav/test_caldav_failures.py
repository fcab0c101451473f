"""What a user sees when a CalDAV account cannot be read: a message naming what to fix, never a password."""

from __future__ import annotations

import logging
import socket
import threading

import pytest

from app.extensions import db
from app.models import SyncState
from app.services.sync import run_sync
from tests.caldav.conftest import caldav_account


def failing_sync(make_app, account: dict, **calendar) -> tuple[dict, SyncState]:
    application = make_app({"calendar": {"accounts": [account], **calendar}})
    with application.app_context():
        result = run_sync()
        db.session.rollback()
        return result, db.session.get(SyncState, account["calendars"][0])


def test_a_wrong_url_says_to_check_the_url(make_app, radicale):
    account = caldav_account(radicale, calendars=["work"])
    account["url"] = radicale.url + "no/such/place/"
    _, state = failing_sync(make_app, account)
    assert state.status == "error" and "url" in state.last_error, state.last_error


def test_a_server_that_does_not_answer_in_time(make_app, radicale):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_stay_silent():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_stay_silent, daemon=True)
    thread.start()
    try:
        account = caldav_account(radicale, calendars=["work"])
        account["url"] = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        _, state = failing_sync(make_app, account, fetch_timeout_seconds=1)
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()
    assert state.status == "error" and "did not answer in time" in state.last_error, state.last_error


def test_a_closed_port_says_the_server_could_not_be_reached(make_app, radicale):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    account = caldav_account(radicale, calendars=["work"])
    account["url"] = f"http://127.0.0.1:{port}/"
    _, state = failing_sync(make_app, account)
    assert "could not be reached" in state.last_error and "check the account's url" in state.last_error


@pytest.mark.parametrize("where", ["password", "url"])
def test_passwords_never_reach_the_logs_or_the_errors(make_app, radicale, caplog, where):
    secret = "Leaky-Secret-42"
    account = caldav_account(radicale, password=secret, calendars=["work"])
    if where == "url":
        account["url"] = radicale.url.replace("http://", f"http://alice:{secret}@")
    caplog.set_level(logging.DEBUG)
    result, state = failing_sync(make_app, account)
    assert state.status == "error"
    assert secret not in state.last_error and secret not in result["error"]
    assert secret not in caplog.text
