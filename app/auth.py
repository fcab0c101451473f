"""API bearer-key check and dashboard login."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from app.services.api_keys import authenticate
from app.services.dashboard_sessions import end_session, is_live, start_session

# The session cookie carries the id of a dashboard_sessions row; signing out anywhere ends that row.
SESSION_ID = "chronos_session"
# Whether this request's session is live, remembered for the request (g may outlive one request).
_LIVE = "chronos.session_live"


# The attribute that marks a view reachable without credentials (see public).
PUBLIC_MARK = "chronos_public"


def key_matches(candidate: str | None) -> bool:
    """Whether a key is an admin key (the configured one, or a stored key with the admin scope)."""
    holder = authenticate(candidate)
    return holder is not None and holder.is_admin


def bearer_token() -> str | None:
    return token_of(request.headers.get("Authorization", ""))


def token_of(authorization: str) -> str | None:
    """The key of an `Authorization: Bearer <key>` header's value, or None for any other value."""
    scheme, _, token = authorization.partition(" ")
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


def log_in(key_hash: str, address: str) -> None:
    """Start a dashboard session signed in with the key of this hash."""
    _reset_session()
    session.permanent = True
    session[SESSION_ID] = start_session(key_hash, address)
    request.environ[_LIVE] = True


def log_out() -> None:
    """End this session in the database too, so that a copy of its cookie no longer signs anyone in."""
    end_session(session.get(SESSION_ID))
    _reset_session()
    request.environ[_LIVE] = False


def is_logged_in() -> bool:
    """Whether this request's cookie names a live dashboard session (checked once per request)."""
    if _LIVE not in request.environ:
        request.environ[_LIVE] = is_live(session.get(SESSION_ID))
    return bool(request.environ[_LIVE])


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
