"""Google OAuth: the dashboard's web-server flow, the CLI's installed-app flow, token storage, disconnect."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow, InstalledAppFlow

from app.errors import InvalidInputError, UnavailableError
from app.settings import Settings
from app.sources import google_token

SCOPES = ["https://www.googleapis.com/auth/calendar"]


def client_config(settings: Settings) -> dict[str, Any]:
    """The OAuth client secrets, with the configured token endpoint override applied."""
    path = Path(settings.calendar.credentials_file)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise UnavailableError(
            f"No Google OAuth client file at {path} (calendar.credentials_file); "
            "download it from the Google Cloud console first."
        ) from None
    except ValueError:
        raise UnavailableError(f"{path} is not a valid Google OAuth client file (JSON expected).") from None
    kind = "web" if "web" in config else "installed"
    if kind not in config:
        raise UnavailableError(f"{path} holds neither a 'web' nor an 'installed' OAuth client.")
    if settings.calendar.google.token_uri:
        config[kind]["token_uri"] = settings.calendar.google.token_uri
    return config


def start_web_flow(settings: Settings, redirect_uri: str) -> tuple[str, str, str]:
    """(authorization URL, state, PKCE verifier); the caller keeps state and verifier in the session."""
    flow = Flow.from_client_config(client_config(settings), scopes=SCOPES, redirect_uri=redirect_uri)
    url, state = flow.authorization_url(access_type="offline", prompt="consent", include_granted_scopes="true")
    return url, state, flow.code_verifier


def finish_web_flow(
    settings: Settings,
    redirect_uri: str,
    *,
    expected_state: str | None,
    state: str | None,
    code: str | None,
    code_verifier: str | None,
) -> Credentials:
    """Exchange the callback's code for a token (checking state and PKCE) and store it."""
    if not expected_state or state != expected_state:
        raise InvalidInputError("state", "the sign-in answer does not belong to this session; start again")
    if not code:
        raise InvalidInputError("code", "Google did not send an authorization code")
    flow = Flow.from_client_config(
        client_config(settings),
        scopes=SCOPES,
        redirect_uri=redirect_uri,
        state=state,
        code_verifier=code_verifier,
        autogenerate_code_verifier=False,
    )
    flow.fetch_token(code=code)
    Path(settings.calendar.token_file).unlink(missing_ok=True)  # a new grant: forget the old account
    save_credentials(settings, flow.credentials)
    _remember_account(settings, flow.credentials)
    return flow.credentials


def run_installed_flow(settings: Settings, port: int | None = None, open_browser: bool = True) -> Credentials:
    """The CLI flow: a one-shot local server on a free port (never the web port), then store the token."""
    port = port or free_port(avoid=settings.web.port)
    if port == settings.web.port:
        raise InvalidInputError("port", f"port {port} is the web port; choose another")
    flow = InstalledAppFlow.from_client_config(client_config(settings), scopes=SCOPES)
    credentials = flow.run_local_server(
        host="localhost", port=port, open_browser=open_browser, access_type="offline", prompt="consent"
    )
    Path(settings.calendar.token_file).unlink(missing_ok=True)
    save_credentials(settings, credentials)
    _remember_account(settings, credentials)
    return credentials


def free_port(avoid: int) -> int:
    """A port the OS reports free on localhost, other than ``avoid``."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port != avoid:
            return port


def load_credentials(settings: Settings) -> Credentials | None:
    """The stored user token of the one-account Google settings; None when not connected."""
    return google_token.load_credentials(settings.calendar.token_file, settings.calendar.google.token_uri)


def save_credentials(settings: Settings, credentials: Credentials, account: str | None = None) -> None:
    """Store the token of the one-account Google settings (mode 0600)."""
    google_token.save_credentials(settings.calendar.token_file, credentials, account)


def stored_account(settings: Settings) -> str | None:
    """The account address saved with the token, if any."""
    return google_token.stored_account(settings.calendar.token_file)


def _remember_account(settings: Settings, credentials: Credentials) -> None:
    """Look the connected account up once, right after connecting (best effort)."""
    from app.sources.base import SourceError
    from app.sources.registry import build_google

    try:
        account = build_google(settings).account_email()
    except SourceError:
        account = None
    if account:
        save_credentials(settings, credentials, account)


def is_connected(settings: Settings) -> bool:
    return Path(settings.calendar.token_file).exists()


def connection_status(settings: Settings, lookup_account: bool = True) -> dict[str, Any]:
    """For the sync page: connected or not, the account (stored at connect time, else looked up when
    ``lookup_account``) and the configured calendars."""
    status: dict[str, Any] = {
        "connected": is_connected(settings),
        "account": None,
        "calendars": list(settings.calendar.calendars),
        "client_configured": Path(settings.calendar.credentials_file).exists(),
    }
    status["account"] = stored_account(settings) if status["connected"] else None
    if status["connected"] and lookup_account and not status["account"]:
        from app.sources.base import SourceError
        from app.sources.registry import build_google

        try:
            status["account"] = build_google(settings).account_email()
        except SourceError:
            status["account"] = None
    return status


def disconnect(settings: Settings) -> bool:
    """Delete the stored token and mark the Google calendars disconnected; whether a token existed."""
    from app.services.sync import mark_disconnected

    path = Path(settings.calendar.token_file)
    existed = path.exists()
    path.unlink(missing_ok=True)
    mark_disconnected("google", "Disconnected from Google Calendar by the user.")
    return existed
