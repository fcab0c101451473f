"""A loopback HTTP server for ICS feeds: plain, compressed, or trickled a byte at a time (slow loris)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Feed:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    trickle_seconds: float | None = None  # send one byte, then wait this long, and so on


class FeedServer:
    """Serves `feeds[path]` on 127.0.0.1 until closed; counts the requests per path."""

    def __init__(self) -> None:
        self.feeds: dict[str, Feed] = {}
        self.requests: dict[str, int] = {}
        self.last_headers: dict[str, str] = {}
        self.closing = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.partition("?")[0]
                server.requests[path] = server.requests.get(path, 0) + 1
                server.last_headers = dict(self.headers)
                feed = server.feeds.get(path)
                if feed is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(feed.body)))
                for name, value in feed.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if feed.trickle_seconds is None:
                    self.wfile.write(feed.body)
                    return
                for index in range(len(feed.body)):
                    if server.closing.is_set():
                        return
                    self.wfile.write(feed.body[index : index + 1])
                    self.wfile.flush()
                    time.sleep(feed.trickle_seconds)

            def log_message(self, *args) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def add(self, path: str, body: bytes, **options) -> str:
        self.feeds[path] = Feed(body, **options)
        return self.url(path)

    def close(self) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()
