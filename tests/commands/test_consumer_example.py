"""The documented consumer (examples/command_consumer.py) run against a live waitress process."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from app.services import api_keys, commands
from tests.commands.queue_helpers import fetch
from tests.conftest import TEST_KEY
from tests.support import ROOT, LiveServer

EXAMPLE = ROOT / "examples" / "command_consumer.py"


@pytest.fixture
def live(app, database_url):
    server = LiveServer(
        app.config["CHRONOS_SETTINGS"].instance_path, TEST_KEY, with_daemon=False, database_url=database_url
    ).start()
    yield server
    server.stop()


def queue(command: str, *args: str) -> int:
    cmd, _ = commands.create_command(
        system_id="hub",
        command=command,
        parameters={"args": list(args)},
        source_key=f"example:{command}:{'-'.join(args)}",
    )
    return cmd.id


def test_the_example_consumer_polls_acts_and_acknowledges(live):
    reboot, notify, busy, unknown = (
        queue("REBOOT", "nas"),
        queue("NOTIFY"),
        queue("BACKUP", "busy"),
        queue("FROBNICATE"),
    )
    other_system = commands.create_command(system_id="nas", command="REBOOT", parameters={}, source_key="example:nas")[
        0
    ].id
    env = {name: value for name, value in os.environ.items() if not name.startswith("CHRONOS")}
    # A poller holds a key for its own queue only (least privilege), not the admin key.
    key = api_keys.create_key("hub poller", ["commands:hub"]).key
    env.update({"CHRONOS_URL": live.url, "CHRONOS_API_KEY": key, "CHRONOS_SYSTEM_ID": "hub"})
    run = subprocess.run([sys.executable, str(EXAMPLE), "--once"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "handled 4 command(s)"
    done = fetch(reboot)
    assert (done.status, done.result) == ("completed", {"rebooted": "nas"})
    assert (fetch(notify).status, fetch(notify).error) == ("failed", "ValueError: NOTIFY needs a message")
    retried = fetch(busy)
    assert (retried.status, retried.error, retried.attempts) == ("pending", "backup target is busy", 1)
    assert retried.available_at > retried.processed_at
    assert (fetch(unknown).status, fetch(unknown).error) == ("failed", "unknown command FROBNICATE")
    assert fetch(other_system).status == "pending"
    again = subprocess.run(
        [sys.executable, str(EXAMPLE), "--once"], env=env, capture_output=True, text=True, timeout=60
    )
    assert again.stdout.strip() == "handled 0 command(s)"  # the busy backup is not due for a minute


def test_the_documentation_shows_the_tested_consumer():
    document = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", document, flags=re.DOTALL)
    assert EXAMPLE.read_text(encoding="utf-8") in blocks
