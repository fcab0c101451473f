"""A source seen through its account: local calendar ids outside, the provider's remote ids inside."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from app.db import write_transaction
from app.sources.base import (
    CalendarSource,
    Capabilities,
    ChangePage,
    ChannelRequest,
    OpenedChannel,
    SyncWindow,
    capabilities_of,
)
from app.sources.deletions import remember_deletion


class AccountSource:
    """Wraps an account's source: renames calendars (`calendars` maps local → remote ids, empty: the source's own
    calendars under their own names) and carries the account's name and whether it may write."""

    def __init__(self, account: str, inner: CalendarSource, calendars: dict[str, str], writable: bool):
        self.account = account
        self.inner = inner
        self.name = inner.name
        self.lists_window_end = inner.lists_window_end
        self._local_to_remote = dict(calendars)
        caps = capabilities_of(inner)
        self.capabilities: Capabilities = caps if writable else replace(caps, writable=False, patch=False, insert=False)

    def remote(self, calendar_id: str) -> str:
        return self._local_to_remote.get(calendar_id, calendar_id)

    def calendars(self) -> list[str]:
        if self._local_to_remote:
            return list(self._local_to_remote)
        return self.inner.calendars()

    def list_changes(self, calendar_id: str, sync_token: str | None, window: SyncWindow) -> Iterator[ChangePage]:
        remote = self.remote(calendar_id)
        for page in self.inner.list_changes(remote, sync_token, window):
            for event in page.events:
                event.calendar_id = calendar_id
            yield page

    def delete_event(self, calendar_id: str, external_id: str) -> None:
        """Deleted upstream when the account may write; else only remembered here (left out from then on)."""
        if self.capabilities.writable or not capabilities_of(self.inner).delete:
            self.inner.delete_event(self.remote(calendar_id), external_id)
            return
        with write_transaction() as session:
            remember_deletion(session, calendar_id, self.name, external_id)

    def patch_event(
        self, calendar_id: str, external_id: str, changes: dict[str, Any], *, expected: str | None = None
    ) -> str | None:
        return self.inner.patch_event(self.remote(calendar_id), external_id, changes, expected=expected)

    def insert_event(self, calendar_id: str, external_id: str, fields: dict[str, Any]) -> str | None:
        return self.inner.insert_event(self.remote(calendar_id), external_id, fields)

    def watch(self, calendar_id: str, channel: ChannelRequest) -> OpenedChannel:
        return self.inner.watch(self.remote(calendar_id), channel)  # type: ignore[attr-defined]

    def stop_channel(self, channel_id: str, resource_id: str) -> None:
        self.inner.stop_channel(channel_id, resource_id)  # type: ignore[attr-defined]
