"""Helpers for tests that run the real web and daemon processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests import databases

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_command(name: str) -> list[str]:
    """The Procfile's command for `name`, run through the shell as honcho runs it, listening on 127.0.0.1 only."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        key, _, command = line.partition(":")
        if key.strip() == name:
            return ["/bin/sh", "-c", "exec " + command.strip().replace("--listen=0.0.0.0:", "--listen=127.0.0.1:")]
    raise KeyError(f"no {name!r} process in the Procfile")


def process_env(instance: Path, api_key: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOS")}
    env.update(
        {
            "CHRONOS_INSTANCE_PATH": str(instance),
            "CHRONOS_API_KEY": api_key,
            "CHRONOS_CALENDAR_SOURCE": "demo",
            "CHRONOS__SCHEDULER__HEARTBEAT_SECONDS": "1",
            "CHRONOS__SCHEDULER__JOB_POLL_SECONDS": "0.3",
        }
    )
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # the Procfile's commands come from the venv
    env.update(extra)
    return env


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``condition`` every 0.1 s until it gives something true (returned), or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.1)


def google_env(fake: Any, token: Path, calendars: tuple[str, ...] = ()) -> dict[str, str]:
    """Settings that point a web process or daemon at the fake Google server (for ``calendars``, if given)."""
    env = {
        "CHRONOS_CALENDAR_SOURCE": "google",
        "CHRONOS__CALENDAR__TOKEN_FILE": str(token),
        "CHRONOS__CALENDAR__GOOGLE__API_ENDPOINT": fake.api_endpoint,
        "CHRONOS__CALENDAR__GOOGLE__TOKEN_URI": fake.token_uri,
    }
    if calendars:
        env["CHRONOS__CALENDAR__CALENDARS"] = f"[{', '.join(calendars)}]"
    return env


def google_account(fake: Any, folder: Path, name: str, calendars: list[Any], **extra: Any) -> dict[str, Any]:
    """A `calendar.accounts` entry of type google on the fake Google server, its token file written in ``folder``."""
    token = folder / "token.json"
    token.write_text(json.dumps(fake.token_info()))
    return {
        "name": name,
        "type": "google",
        "token_file": str(token),
        "api_endpoint": fake.api_endpoint,
        "token_uri": fake.token_uri,
        "calendars": calendars,
        **extra,
    }


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    """Wait until the server answers anything at all (503 from /health counts as up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


class LiveServer:
    """A waitress web process (and optionally the daemon) on a temporary instance folder.

    The database is the one given, or a new one of the backend under test (dropped again on stop).
    """

    def __init__(
        self, instance: Path, api_key: str, with_daemon: bool = True, database_url: str | None = None, **env: str
    ):
        self.instance = instance
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.own_database = database_url is None
        self.database_url = databases.active().new(instance) if database_url is None else database_url
        self.env = process_env(instance, api_key, PORT=str(self.port), CHRONOS_DATABASE_URL=self.database_url, **env)
        self.processes: list[subprocess.Popen] = []
        self.with_daemon = with_daemon

    def start(self) -> LiveServer:
        web = procfile_command("web")
        self.processes.append(subprocess.Popen(web, cwd=ROOT, env=self.env, stderr=subprocess.DEVNULL))
        wait_for_http(f"{self.url}/health")
        if self.with_daemon:
            self.processes.append(
                subprocess.Popen([sys.executable, "-m", "daemon"], cwd=ROOT, env=self.env, stderr=subprocess.DEVNULL)
            )
        return self

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.own_database:
            databases.active().drop(self.database_url)
