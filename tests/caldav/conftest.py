"""Fixtures of the CalDAV tests: a Radicale server per test module and apps with CalDAV accounts."""

from __future__ import annotations

import itertools

import pytest

from tests.caldav.radicale_server import RadicaleServer

PASSWORD = "s3cret-Pa55word"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def radicale():
    server = RadicaleServer({"alice": PASSWORD, "bob": "bobs-password"}).start()
    yield server
    server.stop()


@pytest.fixture
def collection_name() -> str:
    """A calendar name not used by another test of the module (they share the server)."""
    return f"cal{next(_names)}"


def caldav_account(radicale: RadicaleServer, name: str = "home", password: str = PASSWORD, **extra) -> dict:
    """A calendar.accounts item for alice on the test server."""
    return {"name": name, "type": "caldav", "url": radicale.url, "username": "alice", "password": password, **extra}
