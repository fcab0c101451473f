"""A fake Google Calendar API and OAuth server on 127.0.0.1, spoken to over real HTTP by the real clients.

It keeps calendars of event resources with a change sequence, so it can answer full listings (paged),
incremental listings from a sync token (tombstones included), 410 for expired tokens, deletes, inserts,
the OAuth token endpoint (refresh, authorization code with PKCE, invalid_grant) and an authorize endpoint.
Failures can be injected per kind of call. Push: events.watch opens channels and channels.stop ends them; each
change to a watched calendar is notified to the channel's address as Google does (see FakeGoogle's push part).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import queue
import re
import secrets
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlparse

PREFIX = "/calendar/v3/"


class FakeGoogle:
    """State and control surface of the fake; ``start()`` serves it until ``stop()``."""

    client_id = "fake-client.apps.googleusercontent.com"
    client_secret = "fake-secret"

    def __init__(self, page_size: int = 2500, account: str = "user@example.org"):
        self.page_size = page_size
        self.account = account
        self.calendars: dict[str, dict[str, dict[str, Any]]] = {}
        self.changed_at: dict[tuple[str, str], int] = {}
        self.seq = 0
        self.lock = threading.RLock()
        self.requests: list[dict[str, Any]] = []
        self.failures: list[dict[str, Any]] = []
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = {"refresh-1"}
        self.expired_sync_tokens: set[str] = set()
        self.codes: dict[str, dict[str, str]] = {}
        self._ids = itertools.count(1)
        # Service accounts: client e-mail → (public key, users it may act for); the claims of each grant.
        self.service_accounts: dict[str, tuple[Any, set[str]]] = {}
        self.jwt_grants: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None
        self._init_push()

    # ---- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeGoogle:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self._start_push()
        return self

    def stop(self) -> None:
        self._stop_push()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_endpoint(self) -> str:
        return f"{self.url}{PREFIX}"

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    # ---- control ---------------------------------------------------------------------------------
    def issue_access_token(self) -> str:
        token = f"access-{secrets.token_hex(4)}"
        with self.lock:
            self.access_tokens.add(token)
        return token

    def token_info(self, access_token: str | None = None, expired: bool = False) -> dict[str, Any]:
        """The contents of a stored token file, as google-auth writes it."""
        expiry = datetime.now(UTC) + timedelta(hours=-1 if expired else 1)
        return {
            "token": access_token or self.issue_access_token(),
            "refresh_token": "refresh-1",
            "token_uri": "https://oauth2.googleapis.com/token",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scopes": ["https://www.googleapis.com/auth/calendar"],
            "expiry": expiry.replace(tzinfo=None).isoformat() + "Z",
        }

    def client_secrets(self, redirect_uri: str = "http://localhost/callback") -> dict[str, Any]:
        return {
            "web": {
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "auth_uri": f"{self.url}/authorize",
                "token_uri": self.token_uri,
                "redirect_uris": [redirect_uri],
            }
        }

    def add_event(self, calendar_id: str = "primary", **fields: Any) -> dict[str, Any]:
        with self.lock:
            event_id = fields.pop("id", None) or f"evt{next(self._ids)}"
            event = {"kind": "calendar#event", "id": event_id, "status": "confirmed", **fields}
            self._touch(calendar_id, event)
            return event

    def update_event(self, calendar_id: str, event_id: str, **fields: Any) -> None:
        with self.lock:
            event = self.calendars[calendar_id][event_id]
            event.update(fields)
            self._touch(calendar_id, event)

    def cancel_event(self, calendar_id: str, event_id: str) -> None:
        self.update_event(calendar_id, event_id, status="cancelled")

    def remove_silently(self, calendar_id: str, event_id: str) -> None:
        """Forget an event without a tombstone (what a full listing after a 410 must reconcile)."""
        with self.lock:
            self.calendars[calendar_id].pop(event_id)

    def fail(self, kind: str, status: int, reason: str = "", times: int = 1) -> None:
        """The next ``times`` calls of ``kind`` (list, delete, insert, token) answer ``status``."""
        with self.lock:
            self.failures.append({"kind": kind, "status": status, "reason": reason, "times": times})

    def live(self, calendar_id: str = "primary") -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.calendars.get(calendar_id, {}).values() if e["status"] != "cancelled"]

    def calls(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["kind"] == kind]

    def _touch(self, calendar_id: str, event: dict[str, Any]) -> None:
        self.seq += 1
        event["updated"] = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S}.{self.seq:06d}Z"
        event["etag"] = f'"{self.seq}"'
        self.calendars.setdefault(calendar_id, {})[event["id"]] = event
        self.changed_at[(calendar_id, event["id"])] = self.seq
        self._push_changed(calendar_id)

    def _take_failure(self, kind: str) -> dict[str, Any] | None:
        with self.lock:
            for failure in self.failures:
                if failure["kind"] == kind and failure["times"] > 0:
                    failure["times"] -= 1
                    return failure
        return None

    # ---- API -------------------------------------------------------------------------------------
    def list_events(self, calendar_id: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            page_token = query.get("pageToken")
            # Pages continue after the change stamp of the last event sent (not at an offset), so an event deleted
            # or changed while a client pages through is never the reason another one is skipped (as with Google).
            if page_token:
                after, snapshot, since = (int(part) for part in page_token.split(":"))
            else:
                after, snapshot, since = -1, self.seq, -1
                sync_token = query.get("syncToken")
                if sync_token:
                    if sync_token in self.expired_sync_tokens or not sync_token.startswith("sync-"):
                        return 410, _error(410, "fullSyncRequired", "Sync token is no longer valid.")
                    since = int(sync_token.removeprefix("sync-"))
            events = self.calendars.get(calendar_id, {}).values()
            if since >= 0:
                chosen = [e for e in events if since < self.changed_at[(calendar_id, e["id"])] <= snapshot]
            else:
                time_min = query.get("timeMin")
                chosen = [e for e in events if e["status"] != "cancelled" and _ends_after(e, time_min)]
            chosen = [e for e in chosen if self.changed_at[(calendar_id, e["id"])] > after]
            chosen.sort(key=lambda e: self.changed_at[(calendar_id, e["id"])])
            size = min(int(query.get("maxResults", 250)), self.page_size)
            page = chosen[:size]
            body: dict[str, Any] = {
                "kind": "calendar#events",
                "timeZone": "Europe/Berlin",
                "items": [dict(e) for e in page],
            }
            if size < len(chosen):
                last = self.changed_at[(calendar_id, page[-1]["id"])]
                body["nextPageToken"] = f"{last}:{snapshot}:{since}"
            else:
                body["nextSyncToken"] = f"sync-{snapshot}"
            return 200, body

    def delete_event(self, calendar_id: str, event_id: str) -> tuple[int, dict[str, Any] | None]:
        with self.lock:
            event = self.calendars.get(calendar_id, {}).get(event_id)
            if event is None:
                return 404, _error(404, "notFound", "Not Found")
            if event["status"] == "cancelled":
                return 410, _error(410, "deleted", "Resource has been deleted")
            event["status"] = "cancelled"
            self._touch(calendar_id, event)
            return 204, None

    def patch_event(self, calendar_id: str, event_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            event = self.calendars.get(calendar_id, {}).get(event_id)
            if event is None or event["status"] == "cancelled":
                return 404, _error(404, "notFound", "Not Found")
            event.update(body)
            self._touch(calendar_id, event)
            return 200, dict(event)

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type")
        if grant == JWT_BEARER:
            return self.service_account_token(form.get("assertion", ""))
        if grant == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
            return 200, {
                "access_token": self.issue_access_token(),
                "expires_in": 3600,
                "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/calendar",
            }
        if grant == "authorization_code":
            pending = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if pending is None or pending.get("code_challenge") != challenge:
                return 400, {"error": "invalid_grant", "error_description": "Bad code or code verifier."}
            self.refresh_tokens.add("refresh-2")
            return 200, {
                "access_token": self.issue_access_token(),
                "refresh_token": "refresh-2",
                "expires_in": 3600,
                "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/calendar",
            }
        return 400, {"error": "unsupported_grant_type"}

    def service_account_token(self, assertion: str) -> tuple[int, dict[str, Any]]:
        return _service_account_token(self, assertion)

    def authorize(self, query: dict[str, str]) -> str:
        """Consent is given at once: the redirect back to the app with a code and the state."""
        code = secrets.token_hex(8)
        self.codes[code] = {"code_challenge": query.get("code_challenge", ""), "redirect_uri": query["redirect_uri"]}
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"

    # ---- push: events.watch, channels.stop and the notices Google sends ---------------------------
    def _init_push(self) -> None:
        # Channel id -> {"calendar", "token", "address", "resource_id", "expiration" (ms), "number"}.
        self.channels: dict[str, dict[str, Any]] = {}
        self.stopped_channels: list[dict[str, Any]] = []  # see below
        # How long a new channel lives (Google: about a week); tests shorten it to see renewals.
        self.channel_seconds = 7 * 24 * 3600
        # Whether a change to a watched calendar is notified by itself (off: only notify() sends).
        self.auto_notify = True
        # Channels stopped, each with "others_live": how many other live channels its calendar had then.
        # Every notice sent: {"channel_id", "state", "number", "status"} (status: what the receiver answered).
        self.notices: list[dict[str, Any]] = []
        self._notice_queue: queue.Queue = queue.Queue()
        self._notice_worker: threading.Thread | None = None

    def _start_push(self) -> None:
        self._notice_worker = threading.Thread(target=self._send_queued_notices, daemon=True)
        self._notice_worker.start()

    def _stop_push(self) -> None:
        if self._notice_worker is not None:
            self._notice_queue.put(None)
            self._notice_worker.join(timeout=15)

    def live_channels(self, calendar_id: str | None = None) -> dict[str, dict[str, Any]]:
        """Channels opened and neither stopped nor expired (of one calendar, or all)."""
        now_ms = datetime.now(UTC).timestamp() * 1000
        with self.lock:
            return {
                channel_id: dict(channel)
                for channel_id, channel in self.channels.items()
                if channel["expiration"] > now_ms and calendar_id in (None, channel["calendar"])
            }

    def watch(self, calendar_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """events.watch: a web_hook channel; Google sends the `sync` handshake to its address at once."""
        channel_id, address = body.get("id"), body.get("address")
        if body.get("type") != "web_hook" or not channel_id or not address:
            return 400, _error(400, "invalid", "A web_hook channel needs an id and an address.")
        with self.lock:
            if channel_id in self.channels:
                return 400, _error(400, "channelIdNotUnique", "Channel id not unique.")
            expiration = int((datetime.now(UTC).timestamp() + self.channel_seconds) * 1000)
            resource_id = "res-" + hashlib.sha256(calendar_id.encode()).hexdigest()[:16]
            self.channels[channel_id] = {
                "calendar": calendar_id,
                "token": body.get("token"),
                "address": address,
                "resource_id": resource_id,
                "expiration": expiration,
                "number": 0,
            }
        self._queue_notice(channel_id, "sync")
        return 200, {
            "kind": "api#channel",
            "id": channel_id,
            "resourceId": resource_id,
            "resourceUri": f"{self.api_endpoint}calendars/{calendar_id}/events",
            "token": body.get("token"),
            "expiration": str(expiration),
        }

    def stop_channel(self, body: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        """channels.stop: 404 for a channel (id + resourceId) Google does not know."""
        with self.lock:
            channel = self.channels.get(body.get("id", ""))
            if channel is None or channel["resource_id"] != body.get("resourceId"):
                return 404, _error(404, "notFound", "Channel not found.")
            # How many other channels still watched the calendar when this one stopped (for the tests).
            others = len(self.live_channels(channel["calendar"])) - 1
            self.stopped_channels.append({"id": body["id"], **self.channels.pop(body["id"]), "others_live": others})
        return 204, None

    def notify(self, channel_id: str, state: str = "exists") -> int:
        """Send one notice of a live channel now, as Google would; the receiver's status code."""
        with self.lock:
            channel = self.channels[channel_id]
            channel["number"] += 1
            number = channel["number"]
        return self._deliver(channel_id, dict(channel), state, number)

    def send_notice(
        self, address: str, channel_id: str, token: str | None, state: str = "exists", resource_id: str = "res-x"
    ) -> int:
        """A Google-style notice with any headers at all (for forged ones); the receiver's status code."""
        channel = {"address": address, "token": token, "resource_id": resource_id, "calendar": "primary"}
        return self._deliver(channel_id, channel, state, 1, record=False)

    def _push_changed(self, calendar_id: str) -> None:
        """A change to the calendar: each live channel on it gets an `exists` notice (when auto_notify)."""
        if not self.auto_notify:
            return
        for channel_id in self.live_channels(calendar_id):
            self._queue_notice(channel_id, "exists")

    def _queue_notice(self, channel_id: str, state: str) -> None:
        self._notice_queue.put((channel_id, state))

    def _send_queued_notices(self) -> None:
        while (item := self._notice_queue.get()) is not None:
            channel_id, state = item
            with self.lock:
                channel = self.channels.get(channel_id)
                if channel is None:
                    continue
                channel["number"] += 1
                number, channel = channel["number"], dict(channel)
            self._deliver(channel_id, channel, state, number)

    def _deliver(self, channel_id: str, channel: dict[str, Any], state: str, number: int, record: bool = True) -> int:
        headers = {
            "X-Goog-Channel-ID": channel_id,
            "X-Goog-Resource-ID": channel["resource_id"],
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(number),
            "X-Goog-Resource-URI": f"{self.api_endpoint}calendars/{channel['calendar']}/events",
        }
        if channel.get("token") is not None:
            headers["X-Goog-Channel-Token"] = channel["token"]
        if channel.get("expiration"):
            expiry = datetime.fromtimestamp(channel["expiration"] / 1000, UTC)
            headers["X-Goog-Channel-Expiration"] = expiry.strftime("%a, %d %b %Y %H:%M:%S GMT")
        request = urllib.request.Request(channel["address"], data=b"", method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, OSError):
            status = 0
        if record:
            with self.lock:
                self.notices.append({"channel_id": channel_id, "state": state, "number": number, "status": status})
        return status


# ---- write-back: events.get, events.insert with the client's id ------------------------------------------
def get_event(fake: FakeGoogle, calendar_id: str, event_id: str) -> tuple[int, dict[str, Any]]:
    """events.get: the event (tombstones included, as Google answers for a deleted event)."""
    with fake.lock:
        event = fake.calendars.get(calendar_id, {}).get(event_id)
        if event is None:
            return 404, _error(404, "notFound", "Not Found")
        return 200, dict(event)


def insert_event(fake: FakeGoogle, calendar_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """events.insert: an id chosen by the client must be base32hex (a-v, 0-9), 5-1024 long, and unused (409)."""
    event_id = body.get("id")
    with fake.lock:
        if event_id is not None:
            if not re.fullmatch(r"[a-v0-9]{5,1024}", event_id):
                return 400, _error(400, "invalid", "Invalid resource id value.")
            if event_id in fake.calendars.get(calendar_id, {}):
                return 409, _error(409, "duplicate", "The requested identifier already exists.")
        return 200, fake.add_event(calendar_id, **body)


def stale_precondition(fake: FakeGoogle, calendar_id: str, event_id: str, if_match: str | None) -> bool:
    """A patch sent with If-Match for a version the event no longer has (Google answers 412)."""
    with fake.lock:
        event = fake.calendars.get(calendar_id, {}).get(event_id)
        return bool(if_match) and event is not None and event.get("etag") != if_match


# ---- service accounts: the JWT bearer grant (RFC 7523) ---------------------------------------------------
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


def service_account_key(
    fake: FakeGoogle,
    email: str = "chronos@project.iam.gserviceaccount.com",
    *,
    delegated: tuple[str, ...] = (),
    registered: bool = True,
) -> dict[str, Any]:
    """A new service account key (made now, never stored in the repository) in Google's JSON key format; the fake
    knows its public key unless `registered` is false, and lets it act for the `delegated` users."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if registered:
        fake.service_accounts[email] = (key.public_key(), set(delegated))
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": "project",
        "private_key_id": secrets.token_hex(8),
        "private_key": pem,
        "client_email": email,
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


def _service_account_token(fake: FakeGoogle, assertion: str) -> tuple[int, dict[str, Any]]:
    """Check the assertion's RS256 signature with the account's public key and its claims; issue a token."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    refused = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    try:
        header_b64, claims_b64, signature_b64 = assertion.split(".")
        header, claims = json.loads(_b64(header_b64)), json.loads(_b64(claims_b64))
        signature = _b64(signature_b64)
    except ValueError:
        return 400, {"error": "invalid_grant", "error_description": "Invalid JWT."}
    known = fake.service_accounts.get(claims.get("iss", ""))
    if header.get("alg") != "RS256" or known is None:
        return 400, refused
    public_key, delegated = known
    try:
        public_key.verify(signature, f"{header_b64}.{claims_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return 400, refused
    now = datetime.now(UTC).timestamp()
    # google-auth always names Google's own endpoint as the audience, wherever it sends the grant.
    fresh = claims.get("iat", 0) - 300 <= now < claims.get("exp", 0)
    if claims.get("aud") not in (fake.token_uri, GOOGLE_TOKEN_URI) or not fresh:
        return 400, {"error": "invalid_grant", "error_description": "Invalid JWT: bad audience or time."}
    if CALENDAR_SCOPE not in (claims.get("scope") or "").split():
        return 400, {"error": "invalid_scope", "error_description": "The scope is not granted."}
    subject = claims.get("sub")
    if subject and subject != claims["iss"] and subject not in delegated:
        return 401, {
            "error": "unauthorized_client",
            "error_description": "Client is unauthorized to retrieve access tokens using this method.",
        }
    fake.jwt_grants.append(claims)
    return 200, {"access_token": fake.issue_access_token(), "expires_in": 3600, "token_type": "Bearer"}


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _error(status: int, reason: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "errors": [{"reason": reason, "message": message}]}}


def _ends_after(event: dict[str, Any], time_min: str | None) -> bool:
    if not time_min:
        return True
    end = event.get("end", {})
    if "dateTime" in end:
        return datetime.fromisoformat(end["dateTime"]) > datetime.fromisoformat(time_min)
    return end.get("date", "9999") >= time_min[:10]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGoogle

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        return

    def _route(self, method: str) -> None:
        parsed = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        kind, args = _classify(method, parsed.path)
        self.fake.requests.append(
            {
                "method": method,
                "path": parsed.path,
                "query": query,
                "kind": kind,
                "authorization": self.headers.get("Authorization"),
            }
        )
        failure = self.fake._take_failure(kind)
        if failure is not None:
            return self._json(
                failure["status"], _error(failure["status"], failure["reason"] or "backendError", "injected failure")
            )
        if kind == "token":
            form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
            return self._json(*self.fake.token(form))
        if kind == "authorize":
            self.send_response(302)
            self.send_header("Location", self.fake.authorize(query))
            self.end_headers()
            return None
        if kind == "unknown":
            return self._json(404, _error(404, "notFound", "Not Found"))
        bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if bearer not in self.fake.access_tokens:
            return self._json(401, _error(401, "authError", "Invalid Credentials"))
        if kind in PUSH_KINDS:
            return self._json(*_push_call(self.fake, kind, args, raw))
        if kind == "list":
            return self._json(*self.fake.list_events(args[0], query))
        if kind == "delete":
            return self._json(*self.fake.delete_event(*args))
        if kind == "patch":
            if stale_precondition(self.fake, *args, self.headers.get("If-Match")):
                return self._json(412, _error(412, "conditionNotMet", "Precondition Failed"))
            return self._json(*self.fake.patch_event(*args, json.loads(raw or b"{}")))
        if kind == "insert":
            return self._json(*insert_event(self.fake, args[0], json.loads(raw or b"{}")))
        if kind == "get":
            return self._json(*get_event(self.fake, *args))
        return self._json(200, {"kind": "calendar#calendarListEntry", "id": self.fake.account, "primary": True})

    def _json(self, status: int, body: dict[str, Any] | None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def do_PATCH(self) -> None:
        self._route("PATCH")


def _classify(method: str, path: str) -> tuple[str, tuple[str, ...]]:
    if path == "/token":
        return "token", ()
    if path == "/authorize":
        return "authorize", ()
    if not path.startswith(PREFIX):
        return "unknown", ()
    parts = [unquote(part) for part in path[len(PREFIX) :].split("/")]
    push = _classify_push(method, parts)
    if push is not None:
        return push
    if parts[:3] == ["users", "me", "calendarList"]:
        return "calendar_list", ()
    if len(parts) == 3 and parts[0] == "calendars" and parts[2] == "events":
        return ("list" if method == "GET" else "insert"), (parts[1],)
    if len(parts) == 4 and parts[0] == "calendars" and parts[2] == "events" and method in ("DELETE", "PATCH"):
        return method.lower(), (parts[1], parts[3])
    if len(parts) == 4 and parts[0] == "calendars" and parts[2] == "events" and method == "GET":
        return "get", (parts[1], parts[3])
    return "unknown", ()


PUSH_KINDS = ("watch", "channels_stop")


def _classify_push(method: str, parts: list[str]) -> tuple[str, tuple[str, ...]] | None:
    """events.watch (POST calendars/{id}/events/watch) and channels.stop (POST channels/stop)."""
    if method != "POST":
        return None
    if len(parts) == 4 and parts[0] == "calendars" and parts[2:] == ["events", "watch"]:
        return "watch", (parts[1],)
    if parts == ["channels", "stop"]:
        return "channels_stop", ()
    return None


def _push_call(fake: FakeGoogle, kind: str, args: tuple[str, ...], raw: bytes) -> tuple[int, dict[str, Any] | None]:
    body = json.loads(raw or b"{}")
    return fake.watch(args[0], body) if kind == "watch" else fake.stop_channel(body)
