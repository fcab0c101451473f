"""The sync page names the connected Google account and offers Disconnect."""

from __future__ import annotations

import json
from pathlib import Path


def test_sync_page_shows_the_connected_account(dashboard, app):
    token = Path(app.config["CHRONOS_SETTINGS"].calendar.token_file)
    token.write_text(json.dumps({"token": "x", "refresh_token": "y", "account": "ada@example.org"}))
    page = dashboard.get("/sync")
    assert page.status_code == 200
    assert "Connected as ada@example.org." in page.text
    assert "Disconnect" in page.text


def test_sync_page_offers_connect_without_a_token(dashboard):
    page = dashboard.get("/sync")
    assert "Connect Google Calendar" in page.text
    assert "Connected as" not in page.text
