"""The calendar accounts of this installation and, by account type, how their sources are built.

Each type's module (app/sources/<type>.py) provides ``build_account(settings, account, sleep)`` and
``default_calendars(settings, account)``; the registry below is the one place that lists the types.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.settings import Settings
from app.settings_accounts import WRITABLE_TYPES
from app.sources.account_source import AccountSource
from app.sources.base import CalendarSource, Capabilities, SourceError, capabilities_of

# One entry per source type: the module that knows the provider.
SOURCE_TYPES = {
    "demo": "app.sources.demo",
    "ics": "app.sources.ics",
    "google": "app.sources.google_account",
    "caldav": "app.sources.caldav",
}


@dataclass(frozen=True)
class AccountSpec:
    """One configured account: ``calendars`` maps local ids to remote ones (empty: every calendar it has)."""

    name: str
    type: str
    writable: bool
    calendars: dict[str, str]
    item: Any = None  # the calendar.accounts item; None for the one-account keys of calendar.*


@dataclass
class BuiltAccount:
    """An account with its source, or the error that kept the source from being built."""

    account: AccountSpec
    source: CalendarSource | None
    error: SourceError | None = None


def source_name(settings: Settings) -> str:
    """The one-account source: ``auto`` means google once a token or OAuth client file exists (or a service
    account key is configured), else demo.

    With only the client file, Google reads as "disconnected" until the user connects, which says what to do.
    """
    name = settings.calendar.source
    if name == "auto":
        files = (settings.calendar.token_file, settings.calendar.credentials_file)
        found = settings.calendar.service_account_file or any(Path(path).exists() for path in files)
        return "google" if found else "demo"
    return name


def _type_module(kind: str):
    if kind not in SOURCE_TYPES:
        raise SourceError(f"Unknown calendar source type {kind!r}.")
    return importlib.import_module(SOURCE_TYPES[kind])


def accounts(settings: Settings) -> list[AccountSpec]:
    """calendar.accounts, or the one account that the keys of calendar.* describe."""
    if settings.calendar.accounts:
        specs = []
        for item in settings.calendar.accounts:
            spec = AccountSpec(item.name, item.type, item.is_writable, item.calendar_map(), item)
            if not spec.calendars:
                defaults = _type_module(item.type).default_calendars(settings, spec)
                spec = AccountSpec(item.name, item.type, item.is_writable, {c: c for c in defaults}, item)
            specs.append(spec)
        return specs
    kind = source_name(settings)
    spec = AccountSpec(kind, kind, kind in WRITABLE_TYPES, {}, None)
    calendars = _type_module(kind).default_calendars(settings, spec)
    return [AccountSpec(kind, kind, kind in WRITABLE_TYPES, {c: c for c in calendars}, None)]


def build_account(
    settings: Settings, account: AccountSpec, sleep: Callable[[float], None] | None = None
) -> CalendarSource:
    """The account's source, speaking local calendar ids (raises SourceError, e.g. AuthorizationLost)."""
    inner = _type_module(account.type).build_account(settings, account, sleep)
    if account.item is None:
        return inner  # the one-account keys name calendars by their remote ids
    return AccountSource(account.name, inner, account.calendars, account.writable)


def build_sources(settings: Settings, sleep: Callable[[float], None] | None = None) -> list[BuiltAccount]:
    """Every account's source; an account whose source cannot be built carries the error instead."""
    built = []
    for account in accounts(settings):
        try:
            if account.item is None and sleep is None:
                source = build_source(settings)  # the one account (looked up here, so tests can stand in for it)
            else:
                source = build_account(settings, account, sleep)
            built.append(BuiltAccount(account, source))
        except SourceError as exc:
            built.append(BuiltAccount(account, None, exc))
    return built


def build_source(settings: Settings, *, sleep: Callable[[float], None] | None = None) -> CalendarSource:
    """The first account's source (the one source of a one-account installation)."""
    return build_account(settings, accounts(settings)[0], sleep)


def configured_calendars(settings: Settings) -> list[str]:
    """The local calendar ids of every account known without contacting them (discovered ones come later)."""
    return [local for account in accounts(settings) for local in account.calendars]


def type_capabilities(kind: str) -> Capabilities:
    """What sources of this type can do (from the type's module)."""
    return _type_module(kind).CAPABILITIES


def push_address(settings: Settings, account: AccountSpec) -> str:
    """Where the account's provider should send push notices ('' when its type has none or push is off)."""
    module = _type_module(account.type)
    return module.push_address(settings, account) if hasattr(module, "push_address") else ""


@functools.cache
def patchable_types() -> frozenset[str]:
    """The types whose events can be changed upstream (moves of their events are queued as patches)."""
    return frozenset(kind for kind in SOURCE_TYPES if type_capabilities(kind).patch)


def build_google(settings: Settings, sleep: Callable[[float], None] | None = None):
    """The Google source of the one-account keys (AuthorizationLost when it is not connected)."""
    from app.sources.google_account import build_account as build_google_account

    return build_google_account(settings, AccountSpec("google", "google", True, {}, None), sleep)


__all__ = ["AccountSpec", "BuiltAccount", "capabilities_of"]
