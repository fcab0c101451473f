"""The documented example plugin with settings (examples/plugins/keyword_priority.py), configured from YAML."""

from __future__ import annotations

import pytest

from app.settings import ConfigError
from tests.support import ROOT

EXAMPLE_DIRECTORY = ROOT / "examples" / "plugins"
BASE = "/api/v1/events"
CONFIG = f"""
plugins:
  custom_directory: {EXAMPLE_DIRECTORY}
  enabled: [command_handler, keyword_priority, analytics, wellness]
  settings:
    keyword_priority:
      keywords: [invoice, "signed contract"]
      priority: {{priority}}
"""


def app_from_yaml(make_app, tmp_path, monkeypatch, priority: str = "URGENT"):
    """An app whose plugin configuration comes from a CHRONOS_CONFIG file, as a user would write it."""
    local = tmp_path / "local.yaml"
    local.write_text(CONFIG.format(priority=priority), encoding="utf-8")
    monkeypatch.setenv("CHRONOS_CONFIG", str(local))
    return make_app(), local


def post(client, auth, title: str) -> dict:
    response = client.post(BASE, json={"title": title, "start_time": "2030-05-08T10:00:00Z"}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json


def test_the_example_plugin_uses_its_configured_settings(make_app, auth, tmp_path, monkeypatch):
    app, _ = app_from_yaml(make_app, tmp_path, monkeypatch)
    client = app.test_client()
    matched = post(client, auth, "Send the Invoice to ACME")
    assert (matched["priority"], matched["tags"]) == ("URGENT", ["keyword-priority"])
    phrase = post(client, auth, "Scan the signed contract")
    assert phrase["priority"] == "URGENT"
    other = post(client, auth, "Invoices review")  # whole words only
    assert (other["priority"], other["tags"]) == ("MEDIUM", [])
    edited = client.patch(f"{BASE}/{matched['id']}", json={"title": "Lunch"}, headers=auth).json
    assert edited["tags"] == []  # its tag was dropped and not given again
    assert client.get("/health").json.get("details", {}).get("plugins") is None


def test_a_bad_example_setting_stops_start_up_naming_the_key(make_app, tmp_path, monkeypatch):
    with pytest.raises(ConfigError) as caught:
        app_from_yaml(make_app, tmp_path, monkeypatch, priority="SOON")
    message = str(caught.value)
    assert message.startswith("config error: plugins.settings.keyword_priority.priority in ")
    assert "local.yaml" in message and "SOON" in message and "\n" not in message
