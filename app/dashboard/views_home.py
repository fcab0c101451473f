"""Dashboard pages: login, logout and the home page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app import throttle
from app.access import client_address
from app.auth import is_logged_in, log_in, log_out, login_required
from app.dashboard import bp
from app.dashboard.forms import LoginForm, LogoutForm
from app.dashboard.views_agenda import agenda_context, status_context
from app.dashboard.views_common import safe_next
from app.dashboard.views_keys import login_throttled, sign_in
from app.htmx import render
from app.services.health import health_report


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        wait = throttle.retry_after(throttle.LOGIN, client_address())
        if wait is not None:
            return login_throttled(form, wait)
        holder = sign_in(form.api_key.data)
        if holder is not None:
            log_in(holder.key_hash, client_address())
            flash("Signed in.", "success")
            return redirect(safe_next(form.next.data))
        form.api_key.errors.append("That key is not an admin key of this server.")
    elif is_logged_in() and request.method == "GET":
        return redirect(url_for("dashboard.home"))
    status = 401 if form.api_key.errors and request.method == "POST" else 200
    return render_template("dashboard/login.html", form=form), status


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        log_out()
        flash("Signed out.", "success")
    return redirect(url_for("dashboard.login"))


@bp.get("/")
@login_required
def home():
    """Today / agenda (built in views_agenda)."""
    return render("dashboard/home.html", "dashboard/_agenda.html", **agenda_context(), **status_context())


@bp.get("/status/badge")
@login_required
def health_badge():
    report, healthy = health_report(with_details=True)
    return render("dashboard/status.html", "dashboard/_health_badge.html", report=report, healthy=healthy)
