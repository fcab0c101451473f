"""Connect and disconnect Google Calendar from the dashboard (OAuth web-server flow with state and PKCE)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.auth import login_required
from app.config import current_settings
from app.errors import DomainError
from app.services import google_auth

bp = Blueprint("google_oauth", __name__, url_prefix="/google")

# State and PKCE verifier travel in a signed cookie of their own, scoped to the callback: the session cookie
# is rewritten by every response (htmx polling included), and a poll that started earlier would drop them.
FLOW_COOKIE = "chronos_google_flow"
FLOW_SECONDS = 900


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="google-oauth-flow")


def _pending_flow() -> dict:
    try:
        return _signer().loads(request.cookies.get(FLOW_COOKIE, ""), max_age=FLOW_SECONDS)
    except BadSignature:
        return {}


def _sync_page():
    endpoint = "dashboard.sync_status" if "dashboard.sync_status" in current_app.view_functions else "dashboard.home"
    return redirect(url_for(endpoint))


@bp.get("/connect")
@login_required
def connect():
    """Send the user to Google's consent page; state and PKCE verifier wait in a signed cookie."""
    try:
        url, state, verifier = google_auth.start_web_flow(current_settings(), url_for(".callback", _external=True))
    except DomainError as exc:
        flash(exc.message, "error")
        return _sync_page()
    response = redirect(url)
    response.set_cookie(
        FLOW_COOKIE,
        _signer().dumps({"state": state, "verifier": verifier}),
        max_age=FLOW_SECONDS,
        path=url_for(".callback"),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


@bp.get("/callback")
@login_required
def callback():
    """Google sends the user back here: check state, exchange the code, store the token."""
    pending = _pending_flow()
    if request.args.get("error"):
        flash(f"Google sign-in did not complete: {request.args['error']}.", "error")
    else:
        try:
            google_auth.finish_web_flow(
                current_settings(),
                url_for(".callback", _external=True),
                expected_state=pending.get("state"),
                state=request.args.get("state"),
                code=request.args.get("code"),
                code_verifier=pending.get("verifier"),
            )
            flash("Google Calendar connected. The next sync reads your calendars.", "success")
        except DomainError as exc:
            flash(exc.message, "error")
        except Exception as exc:  # the token endpoint refused (bad code, network): tell the user
            current_app.logger.warning("Google token exchange failed: %s", exc)
            flash(f"Google did not accept the sign-in: {exc}", "error")
    response = _sync_page()
    response.delete_cookie(FLOW_COOKIE, path=url_for(".callback"))  # one use only
    return response


@bp.post("/disconnect")
@login_required
def disconnect():
    """Delete the stored token (the form carries the CSRF token like every dashboard form)."""
    existed = google_auth.disconnect(current_settings())
    flash("Google Calendar disconnected." if existed else "Google Calendar was not connected.", "success")
    return _sync_page()
