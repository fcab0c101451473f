"""A small Chronos Engine command consumer: poll the queue, act on each command, then complete or fail it.

Standard library only, so it runs on any box with Python 3.11. Configure it with environment variables:
CHRONOS_URL (default http://127.0.0.1:8080), CHRONOS_API_KEY, CHRONOS_SYSTEM_ID (default home-hub).
Run `python command_consumer.py` to poll forever, or `python command_consumer.py --once` for one batch.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from typing import Any

BASE_URL = os.environ.get("CHRONOS_URL", "http://127.0.0.1:8080").rstrip("/")
API_KEY = os.environ.get("CHRONOS_API_KEY", "development-key-change-in-production")
SYSTEM_ID = os.environ.get("CHRONOS_SYSTEM_ID", "home-hub")
IDLE_SECONDS = 5


class TemporaryError(Exception):
    """Worth trying again later (device busy, network down): the command goes back to the queue."""


def api(method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """One JSON request to the Chronos API with the bearer key; returns the decoded answer."""
    request = urllib.request.Request(  # noqa: S310 - the configured Chronos server
        f"{BASE_URL}/api/v1{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the configured server
        return json.load(response)


# What this system knows how to do: command name -> handler(args) -> result stored on the command.
def reboot(args: list[str]) -> dict[str, Any]:
    target = args[0] if args else "self"
    return {"rebooted": target}


def notify(args: list[str]) -> dict[str, Any]:
    if not args:
        raise ValueError("NOTIFY needs a message")
    return {"sent": " ".join(args)}


def backup(args: list[str]) -> dict[str, Any]:
    if "busy" in args:
        raise TemporaryError("backup target is busy")
    return {"backed_up": args}


HANDLERS = {"REBOOT": reboot, "NOTIFY": notify, "BACKUP": backup}


def handle(command: dict[str, Any]) -> None:
    """Act on one claimed command, then tell the queue how it went (within the lease)."""
    path = f"/commands/{command['id']}"
    handler = HANDLERS.get(command["command"])
    if handler is None:
        api("POST", f"{path}/fail", {"error": f"unknown command {command['command']}", "retry": False})
        return
    try:
        result = handler(command["parameters"].get("args", []))
    except TemporaryError as exc:
        api("POST", f"{path}/fail", {"error": str(exc), "retry": True, "retry_after": 60})
    except Exception as exc:  # anything else is a permanent failure: dead letter, visible in the dashboard
        api("POST", f"{path}/fail", {"error": f"{type(exc).__name__}: {exc}", "retry": False})
    else:
        api("POST", f"{path}/complete", result)


def poll_once(limit: int = 10) -> int:
    """Claim up to `limit` commands and handle them; returns how many there were."""
    batch = api("GET", f"/commands/{SYSTEM_ID}?limit={limit}")
    for command in batch["commands"]:
        handle(command)
    return batch["count"]


def main(argv: list[str]) -> int:
    if "--once" in argv:
        print(f"handled {poll_once()} command(s)")
        return 0
    while True:
        try:
            if poll_once() == 0:
                time.sleep(IDLE_SECONDS)
        except (urllib.error.URLError, TimeoutError) as exc:  # server down or restarting: wait, poll again
            print(f"poll failed: {exc}; retrying in {IDLE_SECONDS}s", file=sys.stderr)
            time.sleep(IDLE_SECONDS)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
