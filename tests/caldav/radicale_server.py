"""A real Radicale CalDAV server for the tests: 127.0.0.1, a free port, a temporary folder, htpasswd users."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import caldav


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RadicaleServer:
    """Started by start(), stopped (and its folder removed) by stop(); users given as {name: password}."""

    def __init__(self, users: dict[str, str]):
        self.users = dict(users)
        self.root = Path(tempfile.mkdtemp(prefix="chronos-radicale-"))
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> RadicaleServer:
        htpasswd = self.root / "users"
        htpasswd.write_text("".join(f"{name}:{password}\n" for name, password in self.users.items()))
        command = [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{self.port}",
            "--storage-filesystem-folder",
            str(self.root / "collections"),
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(htpasswd),
            "--auth-htpasswd-encryption",
            "plain",
            "--auth-delay",
            "0",
            "--rights-type",
            "owner_only",
            "--logging-level",
            "warning",
        ]
        with open(self.root / "log", "wb") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"radicale exited: {(self.root / 'log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.url, timeout=1)
                return self
            except urllib.error.HTTPError:
                return self  # answering (401 without credentials): up
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("radicale did not start within 30 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def user_client(self, user: str) -> caldav.DAVClient:
        """The user's own CalDAV client (how the tests play the person editing their calendar)."""
        return caldav.DAVClient(url=self.url, username=user, password=self.users[user])

    def make_calendar(self, user: str, name: str):
        """A new calendar collection /<user>/<name>/ of this user."""
        principal = self.user_client(user).principal()
        return principal.make_calendar(name=name, cal_id=name)
