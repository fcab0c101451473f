"""Which calendar source this installation syncs from (calendar.source)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.settings import Settings
from app.sources.base import AuthorizationLost, CalendarSource, SourceError


def source_name(settings: Settings) -> str:
    """The effective source: ``auto`` means google once a token or OAuth client file exists, else demo.

    With only the client file, Google reads as "disconnected" until the user connects, which says what to do.
    """
    name = settings.calendar.source
    if name == "auto":
        files = (settings.calendar.token_file, settings.calendar.credentials_file)
        return "google" if any(Path(path).exists() for path in files) else "demo"
    return name


def build_source(settings: Settings, *, sleep: Callable[[float], None] | None = None) -> CalendarSource:
    """The configured source, ready to list changes. Google without a token raises AuthorizationLost."""
    name = source_name(settings)
    if name == "demo":
        from app.sources.demo import DemoSource

        return DemoSource(settings.zone)
    if name == "ics":
        from app.sources.ics import IcsSource

        return IcsSource(settings.calendar.ics_feeds, settings.zone, timeout=settings.calendar.fetch_timeout_seconds)
    if name == "google":
        return build_google(settings, sleep)
    raise SourceError(f"Unknown calendar source {name!r}.")


def configured_calendars(settings: Settings) -> list[str]:
    """The calendar ids the configured source syncs, without contacting it."""
    name = source_name(settings)
    if name == "demo":
        from app.sources.demo import PERSONAL, WORK

        return [WORK, PERSONAL]
    if name == "ics":
        return [feed.id for feed in settings.calendar.ics_feeds]
    return list(settings.calendar.calendars)


def writable_calendars(settings: Settings) -> list[str]:
    """The calendar ids Chronos may write to: a Google account's calendars (ICS feeds and the demo never)."""
    return configured_calendars(settings) if source_name(settings) == "google" else []


def build_google(settings: Settings, sleep: Callable[[float], None] | None = None):
    """The Google source from the stored token (AuthorizationLost when there is none)."""
    from app.services.google_auth import load_credentials, save_credentials
    from app.sources.google import GoogleSource

    credentials = load_credentials(settings)
    if credentials is None:
        raise AuthorizationLost(
            f"Google Calendar is not connected (no token at {settings.calendar.token_file}): connect it from "
            "the dashboard or run `flask --app wsgi google-auth`."
        )
    extra = {"sleep": sleep} if sleep is not None else {}
    return GoogleSource(
        credentials,
        settings.calendar.calendars,
        settings.zone,
        api_endpoint=settings.calendar.google.api_endpoint,
        save_credentials=lambda creds: save_credentials(settings, creds),
        **extra,
    )
