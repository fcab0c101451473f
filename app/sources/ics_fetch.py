"""Fetching an ICS feed over http(s): one total deadline, a size cap, gzip/deflate bodies decoded.

http.client is used directly (not urllib's urlopen) because urlopen's timeout applies to each socket read:
a server trickling a byte every few seconds would hold the fetch for as long as it likes. Here every
connect and read gets what is left of one deadline.
"""

from __future__ import annotations

import base64
import http.client
import ssl
import time
import zlib
from urllib.parse import urljoin, urlsplit, urlunsplit

from app.sources.base import SourceError

MAX_REDIRECTS = 5
CHUNK = 64 * 1024


def public_url(url: str) -> str:
    """The URL as it may be shown to people: no user name, password, query or fragment (tokens live there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def fetch_url(url: str, timeout: float, max_bytes: int, feed_id: str) -> bytes:
    """GET an http/https URL within `timeout` seconds in total, at most `max_bytes` (after decoding)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise SourceError(f"ICS feed {feed_id!r}: only http and https URLs are allowed.")
    deadline = time.monotonic() + timeout
    shown = public_url(url)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            status, location, encoding, body = _get(url, deadline, max_bytes, feed_id)
            if status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                if urlsplit(url).scheme not in ("http", "https"):
                    raise SourceError(f"ICS feed {feed_id!r}: {shown} redirects to a URL that is not http(s).")
                continue
            if status >= 400:
                raise SourceError(f"ICS feed {feed_id!r}: {shown} answered HTTP {status}.")
            return _decode(body, encoding, max_bytes, feed_id)
    except TimeoutError:
        raise SourceError(
            f"ICS feed {feed_id!r}: {shown} did not deliver the feed within {timeout:.3g} seconds."
        ) from None
    except (OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise SourceError(f"ICS feed {feed_id!r}: fetching {shown} failed: {reason}") from None
    raise SourceError(f"ICS feed {feed_id!r}: {shown} redirects more than {MAX_REDIRECTS} times.")


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _get(url: str, deadline: float, max_bytes: int, feed_id: str) -> tuple[int, str | None, str, bytes]:
    """One request: (status, Location, Content-Encoding, raw body); each socket wait is bounded by the deadline."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=_remaining(deadline), context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=_remaining(deadline))
    try:
        headers = {"User-Agent": "chronos-engine", "Accept-Encoding": "gzip, deflate", "Accept": "text/calendar, */*"}
        if parts.username:
            pair = f"{parts.username}:{parts.password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        connection.request("GET", target, headers=headers)
        sock = connection.sock  # kept: the connection drops it once a "Connection: close" answer arrives
        sock.settimeout(_remaining(deadline))
        response = connection.getresponse()
        chunks, size = [], 0
        while True:
            sock.settimeout(_remaining(deadline))
            chunk = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise SourceError(f"ICS feed {feed_id!r} is larger than {max_bytes} bytes.")
            chunks.append(chunk)
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        return response.status, response.getheader("Location"), encoding, b"".join(chunks)
    finally:
        connection.close()


def _decode(body: bytes, encoding: str, max_bytes: int, feed_id: str) -> bytes:
    """Undo gzip or deflate (zlib-wrapped or raw), never inflating beyond max_bytes."""
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        modes = [16 + zlib.MAX_WBITS]
    elif encoding == "deflate":
        modes = [zlib.MAX_WBITS, -zlib.MAX_WBITS]  # servers send either form under this name
    else:
        raise SourceError(f"ICS feed {feed_id!r} is sent with an unsupported Content-Encoding {encoding!r}.")
    for wbits in modes:
        inflater = zlib.decompressobj(wbits)
        try:
            data = inflater.decompress(body, max_bytes + 1)
        except zlib.error:
            continue
        if len(data) > max_bytes:
            raise SourceError(f"ICS feed {feed_id!r} is larger than {max_bytes} bytes once decompressed.")
        return data
    raise SourceError(f"ICS feed {feed_id!r}: its {encoding} body cannot be decompressed.")
