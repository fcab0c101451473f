"""The CalDAV client with a total time limit on every request.

The HTTP library's timeout bounds each wait on the socket, so a server that trickles a byte every second would
hold a request for as long as it likes. Here each request runs in a helper thread and the caller stops waiting
at the limit; the abandoned request's session is closed and the client gets a fresh one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

from caldav.davclient import DAVClient
from caldav.lib.http_sync import requests


class TotalTimeout(TimeoutError):
    """A request did not finish within its total time limit."""

    def __init__(self, seconds: float):
        super().__init__(f"no complete answer within {seconds:.3g} seconds")
        self.seconds = seconds


class BoundedDAVClient(DAVClient):
    """A DAVClient whose requests each finish within `limit()` seconds in total (asked for every request, so
    the limit can shrink with the sync's deadline)."""

    def __init__(self, *args: Any, limit: Callable[[], float], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.limit = limit

    def request(
        self, url: str, method: str = "GET", body: str = "", headers: Mapping[str, str] | None = None, *args: Any
    ) -> Any:
        seconds = self.limit()
        outcome: dict[str, Any] = {}
        finished = threading.Event()

        def send() -> None:
            try:
                outcome["value"] = DAVClient.request(self, url, method, body, headers, *args)  # type: ignore[arg-type]
            except BaseException as exc:  # handed to the waiting caller
                outcome["error"] = exc
            finally:
                finished.set()

        threading.Thread(target=send, name="caldav-request", daemon=True).start()
        if not finished.wait(seconds):
            self._abandon()
            raise TotalTimeout(seconds)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def _abandon(self) -> None:
        """Leave the late request its session (closed, which ends it sooner) and take a new one."""
        late, self.session = self.session, requests.Session()
        # Closing under a running request may complain; the request is dropped either way.
        with contextlib.suppress(Exception):
            late.close()
