"""CalDAV accounts (Nextcloud, iCloud, Fastmail, Radicale ...): incremental sync with sync-collection tokens.

The stored cursor is a small JSON document: the server's token (RFC 6578; the caldav library stands in an
etag digest when the server has none), the end of the window recurrences were expanded to, and per resource
(href) its etag and the event ids it produced, so that a changed or deleted resource retires its old ids.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from caldav.elements import dav
from caldav.lib import error as dav_error

from app.redact import without_credentials
from app.settings import Settings
from app.sources.base import (
    Capabilities,
    ChangePage,
    SourceError,
    SourceEvent,
    SyncWindow,
    UpstreamChanged,
    UpstreamGone,
    deadline_left,
)
from app.sources.caldav_http import BoundedDAVClient, TotalTimeout
from app.sources.caldav_series import exclude_occurrence
from app.sources.caldav_write import changed_document, new_document, single_version
from app.sources.ics_parse import parse_feed_report
from app.timeutil import format_utc, parse_datetime

if TYPE_CHECKING:
    from app.sources.registry import AccountSpec

log = logging.getLogger(__name__)

CAPABILITIES = Capabilities(writable=True, incremental=True, delete=True, patch=True, insert=True)
# Recurrences are expanded up to the window's end; a later window end than this re-lists the calendar.
RELIST_AFTER = timedelta(days=1)
# Resources fetched per calendar-multiget REPORT.
MULTIGET = 250


class CaldavSource:
    """The calendars of one CalDAV account, named by their collection names (the last segment of their URL)."""

    capabilities = CAPABILITIES
    lists_window_end = True
    name = "caldav"

    def __init__(self, account: str, url: str, username: str, password: str, zone: ZoneInfo, timeout: float):
        self.account = account
        self.url = url
        self.zone = zone
        self.timeout = timeout
        self.client = BoundedDAVClient(
            url=url,
            username=username or None,
            password=password or None,
            timeout=timeout,  # seconds, a float: caldav hints int, its HTTP client takes float
            limit=self._request_limit,
        )
        self._calendars: dict[str, Any] | None = None

    def calendars(self) -> list[str]:
        return list(self._discover())

    def list_changes(self, calendar_id: str, sync_token: str | None, window: SyncWindow) -> Iterator[ChangePage]:
        calendar = self._calendar(calendar_id)
        cursor = _read_cursor(sync_token)
        if cursor is not None and window.end is not None and window.end > cursor["until"] + RELIST_AFTER:
            cursor = None  # the window moved on: expand every recurrence again
        with self._guard(f"calendar {calendar_id!r}"):
            result = calendar.objects_by_sync_token(cursor["token"] if cursor else None, load_objects=False)
            deleted = {_href(url) for url in getattr(result, "deleted_urls", set()) or set()}
            listed = {href: obj for obj in result if (href := _href(obj.url)) not in deleted}
        known: dict[str, dict] = cursor["hrefs"] if cursor else {}
        changed = {href: obj for href, obj in listed.items() if not _unchanged(obj, known.get(href))}
        with self._guard(f"calendar {calendar_id!r}"):
            bodies = _load_bodies(calendar, changed)
        token = str(result.sync_token) if result.sync_token else None
        # The library lists everything when it had no token, or when it compares etags for a server without
        # sync tokens and something changed: then a resource not listed is gone.
        listed_all = cursor is None or ((token or "").startswith("fake-") and token != cursor["token"])
        if listed_all:
            deleted |= set(known) - set(listed)
        events: list[SourceEvent] = []
        problems: list[dict] = []
        hrefs = dict(known)
        tombstones: list[str] = []
        for href, obj in changed.items():
            if href not in bodies:
                continue  # gone between the listing and the fetch: the next sync sees it deleted
            parsed, ids = self._parse(href, bodies[href], calendar_id, window, problems)
            events.extend(parsed)
            tombstones.extend(set(known.get(href, {}).get("ids", [])) - set(ids))
            hrefs[href] = {"etag": obj.props.get(dav.GetEtag.tag), "ids": ids}
        for href in deleted:
            tombstones.extend(known.get(href, {}).get("ids", []))
            hrefs.pop(href, None)
        events.extend(SourceEvent(external_id=i, calendar_id=calendar_id, cancelled=True) for i in tombstones)
        until = window.end or window.start + timedelta(days=366)
        next_cursor = json.dumps({"v": 1, "token": token, "until": format_utc(until), "hrefs": hrefs})
        yield ChangePage(events=events, full=cursor is None, last=True, next_sync_token=next_cursor, problems=problems)

    def delete_event(self, calendar_id: str, external_id: str) -> None:
        """Delete the event's resource; one occurrence of a series is excluded from it instead (EXDATE)."""
        calendar = self._calendar(calendar_id)
        with self._guard(f"calendar {calendar_id!r}"):
            try:
                calendar.object_by_uid(external_id).delete()
                return
            except dav_error.NotFoundError:
                pass
            uid, _, stamp = external_id.rpartition("_")  # an occurrence: "<series uid>_<original start>"
            try:
                series = calendar.object_by_uid(uid) if uid else None
            except dav_error.NotFoundError:
                series = None
            if series is None or not exclude_occurrence(series, stamp):
                raise UpstreamGone(f"{external_id} is not on the CalDAV server any more")

    def patch_event(
        self, calendar_id: str, external_id: str, changes: dict[str, Any], *, expected: str | None = None
    ) -> str | None:
        """Change fields of a single (non-recurring) event; with `expected`, only if its content is still the
        version the local change was made on (UpstreamChanged otherwise: the server's version wins)."""
        calendar = self._calendar(calendar_id)
        with self._guard(f"calendar {calendar_id!r}"):
            try:
                resource = calendar.object_by_uid(external_id)
            except dav_error.NotFoundError:
                raise UpstreamGone(f"{external_id} is not on the CalDAV server any more") from None
            resource.load()
            if expected is not None and single_version(resource.data, external_id, calendar_id, self.zone) != expected:
                raise UpstreamChanged(f"{external_id} was changed on the CalDAV server since the last sync")
            document = changed_document(resource.data, external_id, changes)
            if document is None:
                raise UpstreamGone(f"{external_id} is part of a recurring series; only single events are changed")
            resource.data = document.decode()
            try:
                # If-Match with the etag just read: a change saved on the server in between gets 412.
                resource.save(precondition="etag")
            except dav_error.ETagMismatchError:
                raise UpstreamChanged(f"{external_id} was changed on the CalDAV server meanwhile") from None
        return single_version(document, external_id, calendar_id, self.zone)

    def insert_event(self, calendar_id: str, external_id: str, fields: dict[str, Any]) -> str | None:
        """Create the event as <uid>.ics; If-None-Match: * makes a repeated attempt harmless (412: it exists)."""
        calendar = self._calendar(calendar_id)
        url = calendar.url.join(f"{external_id}.ics")
        headers = {"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"}
        with self._guard(f"calendar {calendar_id!r}"):
            response = self.client.put(str(url), new_document(external_id, fields).decode(), headers)
        if response.status not in (200, 201, 204, 412):
            raise SourceError(f"CalDAV account {self.account!r}: the server refused the new event ({response.status}).")
        return None

    def _parse(
        self, href: str, data: str | bytes, calendar_id: str, window: SyncWindow, problems: list[dict]
    ) -> tuple[list, list[str]]:
        """The resource's occurrences in the window (expanded like an ICS feed's) and their ids."""
        try:
            parsed = parse_feed_report(data.encode() if isinstance(data, str) else data, calendar_id, window, self.zone)
        except SourceError as exc:
            problems.append({"uid": href, "summary": "", "line": None, "message": str(exc), "skipped": None})
            return [], []
        problems.extend(parsed.problems)
        return parsed.events, [event.external_id for event in parsed.events]

    def _discover(self) -> dict[str, Any]:
        """The account's calendars by collection name, asked once per source."""
        if self._calendars is None:
            with self._guard("the calendar list"):
                found = self.client.principal().calendars()
                self._calendars = {_collection_name(cal.url): cal for cal in found}
        return self._calendars

    def _calendar(self, remote: str):
        if remote.startswith(("http://", "https://")):
            return self.client.calendar(url=remote)
        calendars = self._discover()
        if remote not in calendars:
            names = ", ".join(sorted(calendars)) or "none"
            raise SourceError(
                f"CalDAV account {self.account!r} has no calendar named {remote!r} (its calendars: {names}); "
                "fix the account's `calendars` list."
            )
        return calendars[remote]

    def _request_limit(self) -> float:
        """Each request's total time: calendar.fetch_timeout_seconds, less when the sync's deadline is nearer."""
        left = deadline_left()
        return self.timeout if left is None else max(0.5, min(self.timeout, left))

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """Bound the requests by the sync's deadline and turn failures into messages that say what to fix."""
        left = deadline_left()
        if left is not None and left <= 0:
            raise SourceError(f"CalDAV account {self.account!r}: the sync ran out of time before {what}.")
        seconds = self.timeout if left is None else max(0.5, min(self.timeout, left))
        self.client.timeout = seconds  # type: ignore[assignment]  # caldav hints int, its HTTP client takes float
        try:
            yield
        except SourceError:
            raise
        except TotalTimeout as exc:
            raise SourceError(
                f"CalDAV account {self.account!r}: {without_credentials(self.url)} did not answer in time while "
                f"reading {what} (no complete answer within {exc.seconds:.3g} seconds, the limit of "
                "calendar.fetch_timeout_seconds or of the sync's deadline); check that the server is up and fast."
            ) from None
        except dav_error.AuthorizationError as exc:
            raise SourceError(_authorization_message(self.account, exc)) from None
        except dav_error.NotFoundError:
            raise SourceError(
                f"CalDAV account {self.account!r}: nothing found at {without_credentials(self.url)} (404) while "
                f"reading {what}; check the account's url."
            ) from None
        except dav_error.DAVError as exc:
            status = getattr(exc, "status", None) or ""
            raise SourceError(
                f"CalDAV account {self.account!r}: the server failed while reading {what} ({type(exc).__name__} "
                f"{status}); try again later or check the account's url."
            ) from None
        except Exception as exc:  # the HTTP library's connection errors and timeouts
            kind = "did not answer in time" if "timeout" in type(exc).__name__.lower() else "could not be reached"
            raise SourceError(
                f"CalDAV account {self.account!r}: {without_credentials(self.url)} {kind} while reading {what} "
                f"({type(exc).__name__}); check the account's url and that the server is up."
            ) from None


def _unchanged(obj: Any, known: dict | None) -> bool:
    """Whether the resource still has the etag it had at the last sync (a listing of everything by etag
    comparison, on a server without sync tokens, lists unchanged ones too)."""
    etag = obj.props.get(dav.GetEtag.tag)
    return bool(etag) and known is not None and known.get("etag") == etag


def _load_bodies(calendar: Any, objects: dict[str, Any]) -> dict[str, str | bytes]:
    """href → iCalendar text of these resources: what the listing brought, the rest fetched with
    calendar-multiget REPORTs of MULTIGET resources each (one GET per resource would cost a round trip each)."""
    bodies = {href: obj.data for href, obj in objects.items() if obj.is_loaded()}
    missing = [obj for href, obj in objects.items() if href not in bodies]
    for start in range(0, len(missing), MULTIGET):
        chunk = missing[start : start + MULTIGET]
        try:
            # The raw (href, data, properties) answers: building the library's objects from them would cost more
            # than the request.
            answers = calendar._multiget([obj.url for obj in chunk])
            fetched = [(unquote(urlsplit(str(href)).path), data) for href, data, _tags in answers]
        except dav_error.DAVError:
            fetched = []
            for obj in chunk:  # a server without calendar-multiget: one by one
                with contextlib.suppress(dav_error.NotFoundError):
                    obj.load()
                    fetched.append((_href(obj.url), obj.data))
        bodies.update((href, data) for href, data in fetched if data)
    return bodies


def _authorization_message(account: str, exc: Exception) -> str:
    status = str(getattr(exc, "status", "") or "")
    if "403" in status or "Forbidden" in str(exc):
        return (
            f"CalDAV account {account!r}: the server forbids access (403); check the account's url (it must lead to "
            "this user's calendars) and that the user may read them."
        )
    return (
        f"CalDAV account {account!r}: the server refused the user name or password (401); check the account's "
        "username and password (iCloud and Fastmail need an app password)."
    )


def _href(url: Any) -> str:
    """A resource's stable key: the path of its URL, decoded."""
    canonical = url.canonical() if hasattr(url, "canonical") else url
    return unquote(str(getattr(canonical, "path", canonical)))


def _collection_name(url: Any) -> str:
    return _href(url).rstrip("/").rsplit("/", 1)[-1]


def _read_cursor(sync_token: str | None) -> dict | None:
    """The stored cursor, or None when there is none (or it is not ours: list everything again)."""
    if not sync_token:
        return None
    try:
        cursor = json.loads(sync_token)
        cursor["until"] = parse_datetime(cursor["until"], ZoneInfo("UTC"))
        return cursor if cursor.get("v") == 1 and isinstance(cursor.get("hrefs"), dict) else None
    except (ValueError, KeyError, TypeError):
        return None


def _password(account) -> str:
    """The account's password: given, read from password_env by the settings loader, or from password_file."""
    if account.password_file:
        try:
            return Path(account.password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SourceError(
                f"CalDAV account {account.name!r}: cannot read its password_file {account.password_file}: "
                f"{exc.strerror}"
            ) from None
    return account.password


def default_calendars(settings: Settings, account: AccountSpec) -> list[str]:
    """None without asking the server: every calendar of the account is found when it syncs."""
    return []


def build_account(
    settings: Settings, account: AccountSpec, sleep: Callable[[float], None] | None = None
) -> CaldavSource:
    """The account's source (nothing is sent before the first listing)."""
    item = account.item
    if item is None:
        raise SourceError("CalDAV is configured through calendar.accounts (type: caldav).")
    return CaldavSource(
        item.name, item.url, item.username, _password(item), settings.zone, settings.calendar.fetch_timeout_seconds
    )
