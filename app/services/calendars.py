"""The calendars of every account with how their last sync went (the calendars API and the sync page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import select

from app.config import current_settings
from app.extensions import db
from app.models import SyncState
from app.settings import CalendarLook
from app.sources import registry

CalendarStatus = Literal["never", "ok", "error", "disconnected"]


@dataclass
class CalendarInfo:
    """One calendar: its account and the state of its last sync (None before the first)."""

    id: str
    account: str | None
    type: str
    writable: bool
    configured: bool
    state: SyncState | None

    @property
    def status(self) -> CalendarStatus:
        # SyncState.status only ever holds one of these.
        return cast(CalendarStatus, self.state.status) if self.state else "never"

    @property
    def counts(self) -> dict[str, Any]:
        return dict(self.state.last_counts or {}) if self.state else {}


def list_calendars() -> list[CalendarInfo]:
    """Every account's calendars (configured, or found by an earlier sync), then calendars that synced once but
    belong to no account any more."""
    states = {row.calendar_id: row for row in db.session.execute(select(SyncState)).scalars()}
    found: dict[str, list[str]] = {}
    for calendar_id, state in states.items():
        found.setdefault((state.last_counts or {}).get("account") or "", []).append(calendar_id)
    items: list[CalendarInfo] = []
    for account in registry.accounts(current_settings()):
        for calendar_id in list(account.calendars) or sorted(found.get(account.name, [])):
            synced = states.pop(calendar_id, None)
            items.append(CalendarInfo(calendar_id, account.name, account.type, account.writable, True, synced))
    for calendar_id, state in states.items():
        owner = (state.last_counts or {}).get("account")
        items.append(CalendarInfo(calendar_id, owner, state.source, False, False, state))
    return items


def writable_calendar_ids() -> list[str]:
    """The calendars a new event may be made in besides Chronos's own "local" one (the event form offers them)."""
    return [item.id for item in list_calendars() if item.writable and item.configured]


def read_only_account(calendar_id: str) -> str | None:
    """The configured account that owns this calendar and may not be written to, if there is one (a local
    calendar, or one no account owns, is Chronos's own)."""
    from app.services.sync_plan import known_calendars

    for account in registry.accounts(current_settings()):
        owns = calendar_id in account.calendars or (
            not account.calendars and calendar_id in known_calendars(account.name)
        )
        if owns:
            return None if account.writable else account.name
    return None


def is_writable(calendar_id: str) -> bool:
    """Whether the calendar belongs to an account Chronos may write to (an ICS feed or the demo never is)."""
    from app.services.sync_plan import known_calendars

    return any(
        account.writable
        and (
            calendar_id in account.calendars or (not account.calendars and calendar_id in known_calendars(account.name))
        )
        for account in registry.accounts(current_settings())
    )


def upstream_type(calendar_id: str, operation: str) -> str | None:
    """The account type that carries out `operation` ("insert" or "patch") on this calendar upstream, or None
    when the calendar is local, read-only or belongs to no account (asks the database only for accounts whose
    calendars are found at sync time)."""
    from app.services.sync_plan import known_calendars

    for account in registry.accounts(current_settings()):
        if not account.writable or not getattr(registry.type_capabilities(account.type), operation):
            continue
        if calendar_id in account.calendars or (not account.calendars and calendar_id in known_calendars(account.name)):
            return account.type
    return None


def calendar_look(calendar_id: str) -> CalendarLook:
    """The configured colour and work flag of a local calendar (defaults when it has none)."""
    return current_settings().calendar.per_calendar.get(calendar_id, CalendarLook())


def private_calendars() -> frozenset[str]:
    """Local calendar ids marked `work: false`, whose events stay out of work-only metrics."""
    return frozenset(cid for cid, look in current_settings().calendar.per_calendar.items() if not look.work)
