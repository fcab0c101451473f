"""A webhook receiver on 127.0.0.1 for tests: records every request, answers 500 on demand, can hold answers."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when it arrived

    def verified(self, secret: str) -> Any:
        """The body, checked with the Standard Webhooks library's own verification (raises when forged)."""
        return Webhook(secret).verify(self.body, self.headers)


class Receiver:
    """Starts on a free port; `fail_next(n)` answers 500 to the next n requests; `hold` delays answers."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.failures_left = 0
        self.status = 204
        self.hold = threading.Event()  # while set, answers wait until it is cleared
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with receiver.arrived:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time())
                    )
                    fail = receiver.failures_left > 0
                    receiver.failures_left -= 1 if fail else 0
                    receiver.arrived.notify_all()
                while receiver.hold.is_set():
                    time.sleep(0.02)
                self.send_response(500 if fail else receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.hold.clear()
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, count: int) -> None:
        with self.arrived:
            self.failures_left = count

    def of_type(self, event_type: str, secret: str) -> list[Any]:
        """Verified bodies of this type received so far."""
        return [body for body in (r.verified(secret) for r in list(self.requests)) if body["type"] == event_type]

    def wait_for(self, predicate, timeout: float = 20.0) -> None:
        """Wait until predicate(requests) is true, or fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while not predicate(list(self.requests)):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"receiver: condition not met within {timeout}s; got {len(self.requests)}")
                self.arrived.wait(min(left, 0.2))
