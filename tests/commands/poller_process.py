"""A command poller run as its own process by the concurrency tests, through the service layer.

Modes: ``poll`` prints ``ready``, waits for a line, claims one batch and prints ``holding``, waits for a second
line (by then every poller holds a batch: they run side by side), then completes and claims until the queue is
empty and prints the ids it received as JSON; ``crash`` claims and dies without acking.
Arguments: instance folder, mode, system id, settings overrides as JSON (the test's database URL goes there).
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

from app import create_app
from app.services import commands
from tests.conftest import base_overrides, deep_merge


def claim(system_id: str) -> list[int]:
    return [command.id for command in commands.claim_commands(system_id, random.randint(1, 10)).commands]


def poll(system_id: str) -> list[int]:
    sys.stdin.readline()
    claimed = claim(system_id)
    print("holding", flush=True)
    sys.stdin.readline()
    received: list[int] = []
    empty_polls = 0
    while empty_polls < 3:
        for command_id in claimed:
            received.append(command_id)
            commands.complete_command(command_id, {"pid": os.getpid()})
        claimed = claim(system_id)
        empty_polls = 0 if claimed else empty_polls + 1
    return received


def main(instance: str, mode: str, system_id: str, overrides: str = "{}") -> None:
    app = create_app(deep_merge(base_overrides(Path(instance)), json.loads(overrides)))
    with app.app_context():
        if mode == "crash":
            claimed = commands.claim_commands(system_id, limit=100).commands
            print(json.dumps([command.id for command in claimed]), flush=True)
            os._exit(3)  # a poller that dies mid-processing: no ack, no fail, no clean shutdown
        print("ready", flush=True)
        print(json.dumps(poll(system_id)), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
