"""The README's receiver example, taken from the README itself, run against a live web process and daemon."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.conftest import TEST_KEY
from tests.support import ROOT, LiveServer, free_port

HEADERS = {"Authorization": f"Bearer {TEST_KEY}"}


def readme_receiver() -> str:
    """The README's Python block that verifies deliveries (the one using WebhookVerificationError)."""
    document = (ROOT / "README.md").read_text(encoding="utf-8")
    section = document[document.index("## Webhooks") :]
    blocks = [
        b for b in re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL) if "WebhookVerificationError" in b
    ]
    assert blocks, "README.md lost its webhook receiver example"
    return blocks[0]


@pytest.fixture
def live(app, database_url, tmp_path: Path):
    server = LiveServer(tmp_path / "live", TEST_KEY, database_url=database_url).start()
    yield server
    server.stop()


def test_the_readme_receiver_verifies_real_deliveries_and_refuses_forged_ones(live, tmp_path):
    port = free_port()
    api = f"{live.url}/api/v1"
    hook = requests.post(
        f"{api}/webhooks",
        json={"url": f"http://127.0.0.1:{port}/", "events": ["event.created"], "calendars": ["local"]},
        headers=HEADERS,
        timeout=10,
    ).json()
    script = tmp_path / "receiver.py"
    script.write_text(readme_receiver(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOS")}
    env.update({"WEBHOOK_SECRET": hook["secret"], "PORT": str(port)})
    receiver = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:  # wait until it listens
            try:
                forged = requests.post(
                    f"http://127.0.0.1:{port}/",
                    data=b'{"type":"event.created"}',
                    headers={
                        "webhook-id": "msg_x",
                        "webhook-timestamp": str(int(time.time())),
                        "webhook-signature": "v1,AAAA",
                    },
                    timeout=2,
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the README receiver did not start"
                time.sleep(0.1)
        assert forged.status_code == 401
        start = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        made = requests.post(
            f"{api}/events", json={"title": "Hello receiver", "start_time": start}, headers=HEADERS, timeout=10
        )
        assert made.status_code == 201
        deadline = time.monotonic() + 20
        while True:
            items = requests.get(f"{api}/webhooks/{hook['id']}/deliveries", headers=HEADERS, timeout=10).json()["items"]
            if items and items[0]["status"] == "delivered":
                break
            assert time.monotonic() < deadline, items
            time.sleep(0.2)
        assert items[0]["last_status_code"] == 204
    finally:
        receiver.terminate()
        output, _ = receiver.communicate(timeout=10)
    assert output.startswith("event.created {'event': {'id': ")
    assert "'title': 'Hello receiver'" in output
