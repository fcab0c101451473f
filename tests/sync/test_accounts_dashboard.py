"""The dashboard with several accounts: the sync page lists each account's calendars with their state, and the
event form's calendar picker offers Chronos's own calendar and the writable ones only."""

from __future__ import annotations

import re

from app.services.sync import run_sync
from tests.conftest import log_in
from tests.support import google_account


def two_accounts(make_app, fake_google, tmp_path):
    google = google_account(fake_google, tmp_path, "work", [{"remote": "primary", "id": "work"}])
    broken = {"name": "team", "type": "google", "token_file": str(tmp_path / "missing.json"), "calendars": ["team"]}
    return make_app({"calendar": {"accounts": [google, broken, {"name": "samples", "type": "demo"}]}})


def picker_options(html: str, datalist: str) -> list[str]:
    block = re.search(rf'<datalist id="{datalist}">(.*?)</datalist>', html, re.S)
    assert block, html
    return re.findall(r'<option value="([^"]+)">', block.group(1))


def test_the_event_forms_offer_the_writable_calendars(make_app, fake_google, tmp_path):
    application = two_accounts(make_app, fake_google, tmp_path)
    client = application.test_client()
    assert log_in(client).status_code == 302
    page = client.get("/events/new").text
    assert 'list="new-calendars"' in page
    assert picker_options(page, "new-calendars") == ["local", "work", "team"]  # not the demo's read-only ones


def test_the_sync_page_lists_accounts_and_calendars_with_their_state(make_app, fake_google, tmp_path):
    application = two_accounts(make_app, fake_google, tmp_path)
    with application.app_context():
        run_sync()
    client = application.test_client()
    assert log_in(client).status_code == 302
    page = client.get("/sync").text
    rows = {
        re.sub(r"<[^>]+>|\s+", " ", row).split()[0]: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
        for row in re.findall(r'<tr id="calendar-\d+">(.*?)</tr>', page, re.S)
    }
    assert set(rows) == {"work", "team", "primary", "personal"}
    assert "work (writable)" in rows["work"] and " ok " in rows["work"] and "never" not in rows["work"]
    assert "disconnected" in rows["team"] and "not connected" in rows["team"]  # the last error, saying what to do
    assert "samples" in rows["primary"] and "(writable)" not in rows["primary"]
