"""Every CalDAV request has a total time limit: a server that trickles its answer a byte a second fails its
account's calendar at the limit, clearly, while the other accounts sync on."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import SyncState
from app.services.sync import run_sync
from tests.caldav.conftest import caldav_account
from tests.caldav.ics import timed


class TricklingServer:
    """Answers every request on 127.0.0.1 with a status line and headers, then one byte of body per second."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(5)
        self.listener.settimeout(0.2)
        self.stop_event = threading.Event()
        self.bytes_sent = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/"

    def _accept(self) -> None:
        while not self.stop_event.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)  # the request (small enough for one read)
                connection.sendall(
                    b"HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml; charset=utf-8\r\n"
                    b"Content-Length: 100000\r\n\r\n"
                )
                while not self.stop_event.is_set():
                    connection.sendall(b" ")
                    self.bytes_sent += 1
                    time.sleep(1)
            except OSError:
                return  # the client gave up and closed the connection

    def stop(self) -> None:
        self.stop_event.set()
        self.listener.close()


@pytest.fixture
def trickling():
    server = TricklingServer()
    yield server
    server.stop()


def test_a_trickling_server_fails_its_calendar_at_the_limit_and_others_sync_on(
    make_app, radicale, collection_name, trickling
):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    radicale.make_calendar("alice", collection_name).save_event(timed("ok1", "Still synced", start, start))
    slow = {**caldav_account(radicale, name="slow", calendars=["work"]), "url": trickling.url}
    fine = caldav_account(radicale, name="fine", calendars=[collection_name])
    application = make_app({"calendar": {"accounts": [slow, fine], "fetch_timeout_seconds": 2}})
    with application.app_context():
        began = time.monotonic()
        result = run_sync()
        took = time.monotonic() - began
        db.session.rollback()
        slow_state = db.session.get(SyncState, "work")
        fine_state = db.session.get(SyncState, collection_name)
    assert trickling.bytes_sent >= 1  # the server did answer, just too slowly for a per-read timeout to fire
    assert took < 8, took
    assert slow_state.status == "error"
    assert "did not answer in time" in slow_state.last_error and "within 2 seconds" in slow_state.last_error
    assert "fetch_timeout_seconds" in slow_state.last_error
    assert fine_state.status == "ok" and result["calendars"][collection_name]["events_created"] == 1
