"""Google Calendar through the real google-api-python-client: incremental sync, backoff, token refresh."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from app.sources.base import (
    AuthorizationLost,
    Capabilities,
    ChangePage,
    ChannelRequest,
    OpenedChannel,
    SourceError,
    SourceEvent,
    SyncTokenExpired,
    SyncWindow,
    UpstreamChanged,
    UpstreamGone,
)
from app.sources.google_body import event_body
from app.timeutil import all_day_bounds, format_utc, parse_datetime

log = logging.getLogger(__name__)

PAGE_SIZE = 2500
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
HTTP_TIMEOUT_SECONDS = 30
DISCONNECTED_MESSAGE = (
    "Google refused the stored authorization (invalid_grant): it was revoked or has expired. "
    "Connect Google Calendar again from the dashboard or run `flask --app wsgi google-auth`."
)


class AlreadyExists(SourceError):
    """Google answered 409: an event with this id exists (our own earlier insert whose answer was lost)."""


class GoogleSource:
    """The configured Google calendars; transient failures are retried with bounded, jittered backoff."""

    capabilities = Capabilities(
        writable=True, incremental=True, delete=True, patch=True, insert=True, open_calendars=True, push=True
    )
    lists_window_end = False
    name = "google"

    def __init__(
        self,
        credentials: Any,  # a user's OAuth credentials, or a service account's
        calendars: list[str],
        zone: ZoneInfo,
        *,
        api_endpoint: str = "",
        save_credentials: Callable[[Credentials], None] | None = None,
        refresh_failure: Callable[[str], SourceError] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 32.0,
    ):
        self.credentials = credentials
        self._calendars = list(calendars)
        self.zone = zone
        self.api_endpoint = api_endpoint
        self.save_credentials = save_credentials
        self.refresh_failure = refresh_failure
        self.sleep = sleep
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._service = None
        self._saved_token = credentials.token

    def calendars(self) -> list[str]:
        return list(self._calendars)

    @property
    def service(self):
        """The Calendar API client, built once from the bundled discovery document (no network)."""
        if self._service is None:
            http = google_auth_httplib2.AuthorizedHttp(
                self.credentials, http=httplib2.Http(timeout=HTTP_TIMEOUT_SECONDS), max_refresh_attempts=1
            )
            options = {"api_endpoint": self.api_endpoint} if self.api_endpoint else None
            self._service = build(
                "calendar", "v3", http=http, static_discovery=True, cache_discovery=False, client_options=options
            )
        return self._service

    def list_changes(self, calendar_id: str, sync_token: str | None, window: SyncWindow) -> Iterator[ChangePage]:
        """events.list pages: incremental with the sync token, else a full listing from window.start."""
        params: dict[str, Any] = {"calendarId": calendar_id, "singleEvents": True, "maxResults": PAGE_SIZE}
        if sync_token:
            params["syncToken"] = sync_token
        else:
            params["timeMin"] = format_utc(window.start)
        page_token = None
        while True:
            response = self.execute(self.service.events().list(**params, pageToken=page_token))
            zone_name = response.get("timeZone") or self.zone.key
            events = [
                event
                for item in response.get("items", [])
                if (event := self._map_or_skip(item, calendar_id, zone_name)) is not None
            ]
            page_token = response.get("nextPageToken")
            yield ChangePage(
                events=events,
                full=not sync_token,
                last=not page_token,
                next_sync_token=None if page_token else response.get("nextSyncToken"),
            )
            if not page_token:
                return

    def delete_event(self, calendar_id: str, external_id: str) -> None:
        """events.delete; an event that is already gone (404/410) counts as deleted."""
        try:
            self.execute(self.service.events().delete(calendarId=calendar_id, eventId=external_id))
        except (UpstreamGone, SyncTokenExpired):
            return

    def patch_event(
        self, calendar_id: str, external_id: str, changes: dict[str, Any], *, expected: str | None = None
    ) -> str | None:
        """events.patch with the changed fields; the event's new version (its ``updated``).

        With `expected` (the version the local change was made on), an event changed upstream since then is left
        as it is (UpstreamChanged): the calendar's version wins.
        """
        body = event_body(changes)
        if not body:
            return None
        etag = None
        if expected is not None:
            current = self.execute(self.service.events().get(calendarId=calendar_id, eventId=external_id))
            if current.get("status") == "cancelled":
                raise UpstreamGone(f"{external_id} was deleted upstream")
            if current.get("updated") != expected:
                raise UpstreamChanged(f"{external_id} was changed upstream since the last sync")
            etag = current.get("etag")
        request = self.service.events().patch(calendarId=calendar_id, eventId=external_id, body=body)
        if etag:
            request.headers["If-Match"] = etag  # a change made upstream after that read gets 412, not overwritten
        return self.execute(request).get("updated")

    def insert_event(self, calendar_id: str, external_id: str, fields: dict[str, Any]) -> str | None:
        """events.insert under our own id: a repeated attempt after a lost answer gets 409, which means done."""
        body = {**event_body(fields), "id": external_id}
        try:
            result = self.execute(self.service.events().insert(calendarId=calendar_id, body=body))
        except AlreadyExists:
            return None
        return result.get("updated")

    def watch(self, calendar_id: str, channel: ChannelRequest) -> OpenedChannel:
        """events.watch: Google posts a notice to the channel's address whenever the calendar's events change."""
        body = {"id": channel.id, "token": channel.token, "type": "web_hook", "address": channel.address}
        answer = self.execute(self.service.events().watch(calendarId=calendar_id, body=body))
        expiration = answer.get("expiration")  # milliseconds since the epoch, as text
        expires_at = datetime.fromtimestamp(int(expiration) / 1000, UTC) if expiration else None
        return OpenedChannel(resource_id=answer.get("resourceId") or "", expires_at=expires_at)

    def stop_channel(self, channel_id: str, resource_id: str) -> None:
        """channels.stop; a channel Google no longer knows (404) counts as stopped."""
        try:
            self.execute(self.service.channels().stop(body={"id": channel_id, "resourceId": resource_id}))
        except UpstreamGone:
            return

    def account_email(self) -> str | None:
        """The connected account, read from the primary calendar's id (best effort, for the dashboard)."""
        try:
            return self.execute(self.service.calendarList().get(calendarId="primary")).get("id")
        except SourceError:
            return None

    def execute(self, request: Any) -> Any:
        """Run one API call with retries on rate limits, 5xx and network errors; map the rest to SourceError."""
        attempt = 0
        while True:
            try:
                result = request.execute()
                self._store_refreshed_token()
                return result
            except HttpError as exc:
                status, reason = exc.resp.status, _reason(exc)
                self._store_refreshed_token()
                if status == 410:
                    raise SyncTokenExpired(f"Google answered 410 Gone ({reason or 'sync token expired'}).") from None
                if status == 404:
                    raise UpstreamGone("Google answered 404 Not Found.") from None
                if status == 412:
                    raise UpstreamChanged("Google answered 412: the event changed upstream meanwhile.") from None
                if status == 409:
                    raise AlreadyExists(f"Google answered 409 ({reason or 'duplicate'}).") from None
                retryable = status == 429 or status >= 500 or (status == 403 and reason in RATE_LIMIT_REASONS)
                if not retryable or attempt >= self.max_retries:
                    raise SourceError(f"Google Calendar API error {status}: {reason or exc.reason}") from None
            except RefreshError as exc:
                if self.refresh_failure is not None:
                    raise self.refresh_failure(_refresh_detail(exc)) from None
                if "invalid_grant" in str(exc):
                    raise AuthorizationLost(DISCONNECTED_MESSAGE) from None
                raise SourceError(f"Refreshing the Google token failed: {exc}") from None
            except (TransportError, httplib2.HttpLib2Error, OSError) as exc:
                if attempt >= self.max_retries:
                    raise SourceError(f"Google Calendar is unreachable: {exc}") from None
            self.sleep(self.backoff(attempt))
            attempt += 1

    def backoff(self, attempt: int) -> float:
        """Exponential delay with full jitter in its upper half, capped at max_delay."""
        delay = min(self.max_delay, self.base_delay * 2**attempt)
        return delay * (0.5 + random.random() / 2)  # jitter, not cryptography

    def _store_refreshed_token(self) -> None:
        if self.credentials.token != self._saved_token and self.save_credentials is not None:
            self.save_credentials(self.credentials)
        self._saved_token = self.credentials.token

    def _map_or_skip(self, item: dict[str, Any], calendar_id: str, zone_name: str) -> SourceEvent | None:
        """One malformed item is logged and left out instead of failing the whole calendar."""
        try:
            return self.to_source_event(item, calendar_id, zone_name)
        except (KeyError, ValueError, TypeError) as exc:
            log.warning("skipping malformed Google event %r in %s: %s", item.get("id"), calendar_id, exc)
            return None

    def to_source_event(self, item: dict[str, Any], calendar_id: str, zone_name: str) -> SourceEvent:
        """Map one Google event (or tombstone) to the normalised SourceEvent."""
        event = SourceEvent(external_id=item["id"], calendar_id=calendar_id, updated=item.get("updated"))
        if item.get("status") == "cancelled":
            event.cancelled = True
            return event
        event.title = (item.get("summary") or "(no title)")[:200]
        event.description = item.get("description") or ""
        event.location = (item.get("location") or "")[:500]
        event.attendees = [a["email"] for a in item.get("attendees", []) if a.get("email")]
        event.organizer = (item.get("organizer") or {}).get("email", "").lower() or None
        start, end = item.get("start", {}), item.get("end", {})
        if "date" in start:
            day = date.fromisoformat(start["date"])
            end_day = date.fromisoformat(end["date"]) if end.get("date") else None
            event.all_day, event.all_day_date, event.timezone = True, day, zone_name
            event.start_time, event.end_time = all_day_bounds(day, end_day, self.zone)
        else:
            event.timezone = start.get("timeZone") or zone_name
            zone = _zone(event.timezone, self.zone)
            event.start_time = parse_datetime(start["dateTime"], zone)
            event.end_time = parse_datetime(end["dateTime"], zone) if end.get("dateTime") else event.start_time
        event.recurring_event_id = item.get("recurringEventId")
        original = item.get("originalStartTime")
        if original:
            if "dateTime" in original:
                event.original_start_time = parse_datetime(
                    original["dateTime"], _zone(original.get("timeZone"), self.zone)
                )
            elif "date" in original:
                event.original_start_time = all_day_bounds(date.fromisoformat(original["date"]), None, self.zone)[0]
        return event


def _zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else fallback
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def _refresh_detail(exc: RefreshError) -> str:
    """The token endpoint's own words (google-auth puts them first in the exception's arguments)."""
    first = exc.args[0] if exc.args else ""
    return str(first)[:300]


def _reason(exc: HttpError) -> str:
    """The first error reason Google put in the body (e.g. rateLimitExceeded), or ''."""
    try:
        body = json.loads(exc.content.decode("utf-8") if isinstance(exc.content, bytes) else exc.content)
        errors = body.get("error", {}).get("errors") or []
        return errors[0].get("reason", "") if errors else body.get("error", {}).get("status", "")
    except (ValueError, AttributeError, TypeError):
        return ""
