"""Google service accounts: credentials from a JSON key, optionally acting for a user (domain-wide delegation)."""

from __future__ import annotations

import json
from pathlib import Path

from google.oauth2 import service_account

from app.sources.base import SourceError

# Write-back needs the full calendar scope (events.insert/patch/delete and calendarList.get).
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"


def load_service_account(path: str, subject: str = "", token_uri: str = "") -> service_account.Credentials:
    """The key's credentials, refreshed at `token_uri` when given (the key file's own endpoint otherwise)."""
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(f"Cannot read the Google service account key {path}: {exc.strerror}.") from None
    except ValueError:
        raise SourceError(f"The Google service account key {path} is not JSON; download it again.") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise SourceError(
            f"{path} is not a Google service account key (its type is not service_account); "
            "create a JSON key for the service account in the Google Cloud console."
        )
    if token_uri:
        info = {**info, "token_uri": token_uri}
    try:
        return service_account.Credentials.from_service_account_info(
            info, scopes=[CALENDAR_SCOPE], subject=subject or None
        )
    except (ValueError, KeyError) as exc:
        raise SourceError(f"The Google service account key {path} cannot be used: {exc}.") from None


def refresh_failure(path: str, subject: str, detail: str) -> SourceError:
    """The error shown when Google refuses to give the service account a token (says what to check)."""
    if subject and "unauthorized_client" in detail:
        return SourceError(
            f"Google refused to let the service account in {path} act for {subject} ({detail}): in the Workspace "
            f"admin console, grant domain-wide delegation to the account's client id with the scope {CALENDAR_SCOPE}."
        )
    return SourceError(
        f"Google refused the service account key in {path} ({detail}): the key may have been deleted or replaced; "
        "create a new JSON key for the service account and point service_account_file at it."
    )
