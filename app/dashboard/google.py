"""Connect and disconnect Google Calendar from the dashboard (OAuth web-server flow with state and PKCE)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, session, url_for

from app.auth import login_required
from app.config import current_settings
from app.errors import DomainError
from app.services import google_auth

bp = Blueprint("google_oauth", __name__, url_prefix="/google")

STATE_KEY = "google_oauth_state"
VERIFIER_KEY = "google_oauth_verifier"


def _sync_page():
    endpoint = "dashboard.sync_status" if "dashboard.sync_status" in current_app.view_functions else "dashboard.home"
    return redirect(url_for(endpoint))


@bp.get("/connect")
@login_required
def connect():
    """Send the user to Google's consent page; state and PKCE verifier wait in the session."""
    try:
        url, state, verifier = google_auth.start_web_flow(current_settings(), url_for(".callback", _external=True))
    except DomainError as exc:
        flash(exc.message, "error")
        return _sync_page()
    session[STATE_KEY], session[VERIFIER_KEY] = state, verifier
    return redirect(url)


@bp.get("/callback")
@login_required
def callback():
    """Google sends the user back here: check state, exchange the code, store the token."""
    if request.args.get("error"):
        flash(f"Google sign-in did not complete: {request.args['error']}.", "error")
        return _sync_page()
    try:
        google_auth.finish_web_flow(
            current_settings(), url_for(".callback", _external=True), expected_state=session.pop(STATE_KEY, None),
            state=request.args.get("state"), code=request.args.get("code"),
            code_verifier=session.pop(VERIFIER_KEY, None))
    except DomainError as exc:
        flash(exc.message, "error")
        return _sync_page()
    except Exception as exc:  # the token endpoint refused (bad code, network): tell the user, keep the page
        current_app.logger.warning("Google token exchange failed: %s", exc)
        flash(f"Google did not accept the sign-in: {exc}", "error")
        return _sync_page()
    flash("Google Calendar connected. The next sync reads your calendars.", "success")
    return _sync_page()


@bp.post("/disconnect")
@login_required
def disconnect():
    """Delete the stored token (the form carries the CSRF token like every dashboard form)."""
    existed = google_auth.disconnect(current_settings())
    flash("Google Calendar disconnected." if existed else "Google Calendar was not connected.", "success")
    return _sync_page()
