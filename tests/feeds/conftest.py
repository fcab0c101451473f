"""Fixtures of the ICS feed tests: a loopback feed server."""

from __future__ import annotations

import pytest

from tests.feeds.feedserver import FeedServer


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.close()
