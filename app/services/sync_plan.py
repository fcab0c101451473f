"""Which calendars a sync run covers, account by account, and which accounts cannot sync (and why)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import select

from app.db import write_transaction
from app.extensions import db
from app.models import SyncState
from app.sources import registry
from app.sources.base import CalendarSource, SourceError, capabilities_of


class Work(NamedTuple):
    """An account that syncs now: its built source and the calendars it syncs."""

    account: registry.AccountSpec
    source: CalendarSource
    calendars: list[str]


@dataclass
class RunPlan:
    """`work`: each usable account with the calendars it syncs now; `failed`: accounts that cannot sync, with
    the calendars to mark; `refused`: messages about calendars left out; `unknown`: why a requested calendar
    cannot be synced at all."""

    work: list[Work] = field(default_factory=list)
    failed: list[tuple[registry.AccountSpec, list[str], SourceError]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unknown: str | None = None


def plan_run(built: list[registry.BuiltAccount], calendar_id: str | None) -> RunPlan:
    """Every account's calendars (or the one requested). A found calendar whose id an earlier account already
    has is refused, so that two accounts never write into one local calendar."""
    plan = RunPlan()
    owners = {local: unit.account.name for unit in built for local in unit.account.calendars}
    known: list[str] = []
    for unit in built:
        calendars, usable = _account_calendars(unit)
        mine = []
        for local in calendars:
            owner = owners.setdefault(local, unit.account.name)
            if owner == unit.account.name:
                mine.append(local)
            elif calendar_id in (None, local):
                plan.refused.append(
                    f"{local}: account {unit.account.name!r} has a calendar {local!r} too, and account {owner!r} "
                    "syncs that id; rename it in the account's calendars ({remote: ..., id: ...})"
                )
        known.extend(mine)
        targets = [local for local in mine if calendar_id in (None, local)]
        if isinstance(usable, SourceError):
            if calendar_id is None or targets:
                placeholder = [] if mine or unit.account.name in owners else [unit.account.name]
                plan.failed.append((unit.account, targets or placeholder, usable))
        elif targets:
            plan.work.append(Work(unit.account, usable, targets))
        if calendar_id is not None and targets:
            return plan
    if calendar_id is not None and not plan.failed:
        for unit in built:  # a calendar no account lists: an account that reaches any calendar may sync it
            if unit.source is not None and capabilities_of(unit.source).open_calendars:
                plan.work.append(Work(unit.account, unit.source, [calendar_id]))
                return plan
        plan.unknown = f"Calendar {calendar_id!r} is not one of the configured calendars: {', '.join(known)}."
    return plan


def outbox_calendars(source: CalendarSource) -> list[str] | None:
    """The calendars whose queued upstream changes this source carries out (None: all of its type)."""
    if capabilities_of(source).open_calendars:
        return None
    try:
        return source.calendars()
    except SourceError:
        return []


def _account_calendars(unit: registry.BuiltAccount) -> tuple[list[str], CalendarSource | SourceError]:
    """The account's local calendar ids, and its source, or the error that keeps it from syncing."""
    if unit.source is None:
        error = unit.error or SourceError(f"Account {unit.account.name!r} has no source.")
        return list(unit.account.calendars) or known_calendars(unit.account.name), error
    try:
        calendars = unit.source.calendars()
    except SourceError as exc:
        return list(unit.account.calendars) or known_calendars(unit.account.name), exc
    if not unit.account.calendars and unit.account.name not in calendars:
        _drop_placeholder(unit.account.name)
    return calendars, unit.source


def known_calendars(account: str) -> list[str]:
    """The calendars an account's earlier syncs found."""
    rows = db.session.execute(select(SyncState)).scalars()
    return [row.calendar_id for row in rows if (row.last_counts or {}).get("account") == account]


def _drop_placeholder(account: str) -> None:
    """Forget the state row that stood for an account whose calendars could not be found (they are now; the
    row never had a cursor, as no calendar of that name was synced)."""
    state = db.session.get(SyncState, account)
    if state is None or (state.last_counts or {}).get("account") != account or state.sync_token is not None:
        return
    with write_transaction() as session:
        row = session.get(SyncState, account)
        if row is not None:
            session.delete(row)
