"""The stored Google user token: read with the configured token endpoint, written atomically with mode 0600."""

from __future__ import annotations

import json
from pathlib import Path

from google.oauth2.credentials import Credentials

from app.settings import write_secret_file


def load_credentials(token_file: str, token_uri: str = "") -> Credentials | None:
    """The stored user token, with the token endpoint override; None when not connected."""
    path = Path(token_file)
    if not path.exists():
        return None
    info = json.loads(path.read_text(encoding="utf-8"))
    credentials = Credentials.from_authorized_user_info(info)
    if token_uri:
        # from_authorized_user_info always sets Google's endpoint, whatever the file says.
        credentials = credentials.with_token_uri(token_uri)
    return credentials


def save_credentials(token_file: str, credentials: Credentials, account: str | None = None) -> None:
    """Write the token atomically with mode 0600 (it grants access to the user's calendar).

    The connected account's address is kept beside the token, so pages can show it without an API call.
    """
    data = json.loads(credentials.to_json())
    account = account or stored_account(token_file)
    if account:
        data["account"] = account
    write_secret_file(Path(token_file), json.dumps(data))


def stored_account(token_file: str) -> str | None:
    """The account address saved with the token, if any."""
    try:
        return json.loads(Path(token_file).read_text(encoding="utf-8")).get("account")
    except (OSError, ValueError, AttributeError):
        return None
