"""A command poller run as its own process by the concurrency tests, through the service layer.

Modes: ``poll`` waits for a line on stdin naming a start time, sleeps until then (so that every process starts
at the same instant, however late each one reads the line), then claims and completes
until the queue is empty and prints the ids it received as JSON; ``crash`` claims and dies without acking.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

from app import create_app
from app.services import commands
from tests.conftest import base_overrides, deep_merge


def poll(system_id: str) -> list[int]:
    received: list[int] = []
    empty_polls = 0
    while empty_polls < 3:
        claimed = commands.claim_commands(system_id, limit=random.randint(1, 10))["commands"]
        empty_polls = 0 if claimed else empty_polls + 1
        for command in claimed:
            received.append(command["id"])
            commands.complete_command(command["id"], {"pid": os.getpid()})
    return received


def main(instance: str, mode: str, system_id: str, overrides: str = "{}") -> None:
    app = create_app(deep_merge(base_overrides(Path(instance)), json.loads(overrides)))
    with app.app_context():
        if mode == "crash":
            claimed = commands.claim_commands(system_id, limit=100)["commands"]
            print(json.dumps([command["id"] for command in claimed]), flush=True)
            os._exit(3)  # a poller that dies mid-processing: no ack, no fail, no clean shutdown
        print("ready", flush=True)
        start = float(sys.stdin.readline().split()[1])
        time.sleep(max(0.0, start - time.time()))
        print(json.dumps(poll(system_id)), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
