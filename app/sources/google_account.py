"""Google accounts: the source built from an account's token file or service account key (or the one-account keys
of calendar.*)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.settings import Settings
from app.sources import google_token
from app.sources.base import AuthorizationLost
from app.sources.google import GoogleSource
from app.sources.google_service_account import load_service_account, refresh_failure

if TYPE_CHECKING:
    from app.sources.registry import AccountSpec

CAPABILITIES = GoogleSource.capabilities
# Where Google posts push notices, below the server's public base URL (the API route of the same path).
NOTIFICATION_PATH = "/api/v1/google/notifications"


def _files(settings: Settings, account: AccountSpec) -> tuple[str, str, str]:
    """(token file, token endpoint, API endpoint): the account's own, else those of calendar.*."""
    item, calendar = account.item, settings.calendar
    if item is None:
        return calendar.token_file, calendar.google.token_uri, calendar.google.api_endpoint
    return (
        item.token_file or calendar.token_file,
        item.token_uri or calendar.google.token_uri,
        item.api_endpoint or calendar.google.api_endpoint,
    )


def _service_account(settings: Settings, account: AccountSpec) -> tuple[str, str]:
    """(key file, subject) of a service account, or ("", "") for a user token."""
    item = account.item if account.item is not None else settings.calendar
    return item.service_account_file, item.subject


def default_calendars(settings: Settings, account: AccountSpec) -> list[str]:
    """calendar.calendars for the one-account keys, else the user's primary calendar."""
    return list(settings.calendar.calendars) if account.item is None else ["primary"]


def push_address(settings: Settings, account: AccountSpec) -> str:
    """The address Google posts this account's change notices to ('' = push is off): the account's push_url,
    else calendar.google.push_url."""
    item = account.item
    base = (getattr(item, "push_url", "") if item is not None else "") or settings.calendar.google.push_url
    return f"{base.rstrip('/')}{NOTIFICATION_PATH}" if base else ""


def build_account(
    settings: Settings, account: AccountSpec, sleep: Callable[[float], None] | None = None
) -> GoogleSource:
    """The Google source from the service account key or the stored token (AuthorizationLost when there is none)."""
    token_file, token_uri, api_endpoint = _files(settings, account)
    key_file, subject = _service_account(settings, account)
    remote = list(account.calendars.values()) or default_calendars(settings, account)
    if key_file:
        return GoogleSource(
            load_service_account(key_file, subject, token_uri),
            remote,
            settings.zone,
            api_endpoint=api_endpoint,
            sleep=sleep or time.sleep,
            refresh_failure=lambda detail: refresh_failure(key_file, subject, detail),
        )
    credentials = google_token.load_credentials(token_file, token_uri)
    if credentials is None:
        raise AuthorizationLost(
            f"Google Calendar is not connected (no token at {token_file}): connect it from "
            "the dashboard or run `flask --app wsgi google-auth`."
        )
    return GoogleSource(
        credentials,
        remote,
        settings.zone,
        api_endpoint=api_endpoint,
        save_credentials=lambda creds: google_token.save_credentials(token_file, creds),
        sleep=sleep or time.sleep,
    )
