"""ICS feeds (files or http/https URLs), with recurrences expanded over the sync window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.db import write_transaction
from app.extensions import db
from app.models import UpstreamDeletion
from app.settings import IcsFeed, Settings
from app.sources.base import READ_ONLY, ChangePage, SourceError, SourceEvent, SyncWindow, deadline_left
from app.sources.deletions import remember_deletion
from app.sources.ics_fetch import fetch_url
from app.sources.ics_parse import parse_feed_report

if TYPE_CHECKING:
    from app.sources.registry import AccountSpec

__all__ = ["IcsSource", "fetch_url", "parse_feed", "parse_feed_report"]

FETCH_TIMEOUT_SECONDS = 30.0  # in total per fetch, the default of calendar.fetch_timeout_seconds
MAX_FEED_BYTES = 10 * 1024 * 1024


class IcsSource:
    """Read-only: a delete is remembered locally, so the event stays away while the feed still lists it."""

    capabilities = READ_ONLY
    lists_window_end = True
    name = "ics"

    def __init__(
        self,
        feeds: list[IcsFeed],
        zone: ZoneInfo,
        max_bytes: int = MAX_FEED_BYTES,
        timeout: float = FETCH_TIMEOUT_SECONDS,
    ):
        self.feeds = {feed.id: feed for feed in feeds}
        self.zone = zone
        self.max_bytes = max_bytes
        self.timeout = timeout

    def calendars(self) -> list[str]:
        return list(self.feeds)

    def list_changes(self, calendar_id: str, sync_token: str | None, window: SyncWindow) -> Iterator[ChangePage]:
        feed = self.feeds.get(calendar_id)
        if feed is None:
            raise SourceError(f"No ICS feed with id {calendar_id!r} is configured (calendar.ics_feeds).")
        parsed = parse_feed_report(self.read(feed), calendar_id, window, self.zone)
        deleted = set(
            db.session.execute(
                select(UpstreamDeletion.external_id).where(UpstreamDeletion.calendar_id == calendar_id)
            ).scalars()
        )
        events = [e for e in parsed.events if e.external_id not in deleted]
        yield ChangePage(events=events, full=True, last=True, problems=parsed.problems)

    def delete_event(self, calendar_id: str, external_id: str) -> None:
        with write_transaction() as session:
            remember_deletion(session, calendar_id, self.name, external_id)

    def read(self, feed: IcsFeed) -> bytes:
        """The feed's bytes from its file or URL; a failure is a SourceError naming the feed."""
        if feed.path:
            try:
                data = Path(feed.path).read_bytes()
            except OSError as exc:
                raise SourceError(f"ICS feed {feed.id!r}: cannot read {feed.path}: {exc.strerror}") from None
            if len(data) > self.max_bytes:
                raise SourceError(f"ICS feed {feed.id!r} is larger than {self.max_bytes} bytes.")
            return data
        if feed.url:
            # The sync's own deadline, when nearer, bounds the fetch too.
            left = deadline_left()
            timeout = self.timeout if left is None else max(0.0, min(self.timeout, left))
            return fetch_url(feed.url, timeout, self.max_bytes, feed.id)
        raise SourceError(f"ICS feed {feed.id!r} needs a path or a url.")


def parse_feed(data: bytes, calendar_id: str, window: SyncWindow, zone: ZoneInfo) -> list[SourceEvent]:
    """Every occurrence in the window as a SourceEvent (the problems of the feed left aside)."""
    return parse_feed_report(data, calendar_id, window, zone).events


CAPABILITIES = IcsSource.capabilities


def _feeds(settings: Settings, account: AccountSpec) -> list[IcsFeed]:
    """calendar.ics_feeds, or the account's feeds (a url that is not http(s) is a file path)."""
    if account.item is None:
        return list(settings.calendar.ics_feeds)
    return [
        IcsFeed(id=feed.id, url=feed.url)
        if feed.url.startswith(("http://", "https://"))
        else IcsFeed(id=feed.id, path=feed.url)
        for feed in account.item.feeds
    ]


def default_calendars(settings: Settings, account: AccountSpec) -> list[str]:
    """One calendar per feed, named by the feed's id."""
    return [feed.id for feed in _feeds(settings, account)]


def build_account(settings: Settings, account: AccountSpec, sleep=None) -> IcsSource:
    """The account's feeds, fetched within calendar.fetch_timeout_seconds each."""
    return IcsSource(_feeds(settings, account), settings.zone, timeout=settings.calendar.fetch_timeout_seconds)
