"""Fixtures: a live webhook receiver on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()
