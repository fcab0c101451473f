"""API bearer-key check and dashboard login."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from app.config import current_settings

SESSION_FLAG = "chronos_logged_in"


# The attribute that marks a view reachable without credentials (see public).
PUBLIC_MARK = "chronos_public"


def key_matches(candidate: str | None) -> bool:
    """Constant-time comparison against the configured API key."""
    expected = current_settings().api.api_key.encode()
    return hmac.compare_digest(expected, (candidate or "").encode())


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as reachable without credentials."""
    setattr(view, PUBLIC_MARK, True)
    return view


def is_public_endpoint(view: Callable[..., Any] | None) -> bool:
    return bool(view and getattr(view, PUBLIC_MARK, False))


def _reset_session() -> None:
    """A fresh session (against fixation); the CSRF token cached on g belonged to the old one."""
    session.clear()
    g.pop("csrf_token", None)


def log_in() -> None:
    _reset_session()
    session.permanent = True
    session[SESSION_FLAG] = True


def log_out() -> None:
    _reset_session()


def is_logged_in() -> bool:
    return bool(session.get(SESSION_FLAG))


def may_see_details() -> bool:
    """Whether this request may see operational details on public pages: the admin key or a dashboard session."""
    return key_matches(bearer_token()) or is_logged_in()


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_logged_in():
            return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


class DashboardOnlySessions(SecureCookieSessionInterface):
    """Sessions exist for the dashboard only: /api/ requests never read or set the session cookie."""

    def open_session(self, app: Flask, request):
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)
