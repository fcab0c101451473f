"""Dashboard: API keys (create, shown once; list; revoke), signing out everywhere, and sign-in checks."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from app import throttle
from app.access import client_address
from app.auth import log_out, login_required
from app.dashboard import bp
from app.dashboard.forms import ConfirmForm, KeyForm, show_error
from app.errors import DomainError, InvalidInputError
from app.services import api_keys, dashboard_sessions
from app.services.api_keys import KeyHolder, authenticate


def sign_in(key: str | None) -> KeyHolder | None:
    """The admin key holder signing in, or None (a failed attempt, counted against the address)."""
    holder = authenticate(key)
    if holder is not None and holder.is_admin:
        return holder
    throttle.record_failure(throttle.LOGIN, client_address())
    return None


def login_throttled(form, wait: int):
    """The sign-in page refusing every attempt until the address's window is over."""
    form.api_key.errors.append(f"Too many failed sign-ins from your address. Try again in {wait} seconds.")
    page = render_template("dashboard/login.html", form=form)
    return page, 429, {"Retry-After": str(wait)}


@bp.get("/keys")
@login_required
def key_list():
    return _keys_page(KeyForm())


@bp.post("/keys")
@login_required
def key_create():
    """Make a key and show it this once (the page is not cached; the key is in no cookie or log)."""
    form = KeyForm()
    if not form.validate_on_submit():
        return _keys_page(form, status=400 if form.csrf_token.errors else 422)  # a forged post, or the fields
    try:
        created = api_keys.create_key(form.name.data or "", form.scope_list())
    except InvalidInputError as exc:
        show_error(form, exc)
        return _keys_page(form, status=422)
    return _keys_page(KeyForm(formdata=None), created=created)


@bp.post("/keys/<int:key_id>/revoke")
@login_required
def key_revoke(key_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            row = api_keys.revoke_key(key_id)
            flash(f"Key “{row.name}” revoked.", "success")
        except DomainError as exc:
            flash(exc.message, "error")
    return redirect(url_for("dashboard.key_list"))


@bp.post("/sessions/end-all")
@login_required
def sessions_end_all():
    """Sign out every dashboard session, this one included."""
    if ConfirmForm().validate_on_submit():
        dashboard_sessions.end_all_sessions()
        log_out()
        flash("Signed out everywhere.", "success")
    return redirect(url_for("dashboard.login"))


def _keys_page(form: KeyForm, *, status: int = 200, created: api_keys.CreatedKey | None = None):
    keys = api_keys.list_keys()
    page = render_template(
        "dashboard/keys.html", form=form, keys=keys, created=created, confirm=ConfirmForm(formdata=None)
    )
    return page, status, {"Cache-Control": "no-store"}
