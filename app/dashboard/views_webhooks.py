"""Dashboard: webhooks (create with the secret shown once; enable/disable; test; delete) and delivery logs."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, NumberRange, Optional

from app.auth import login_required
from app.dashboard import bp
from app.dashboard.forms import ConfirmForm, show_error
from app.dashboard.views_common import deleted, fragment, full_page
from app.errors import InvalidInputError
from app.htmx import wants_partial
from app.models import WEBHOOK_EVENT_TYPES
from app.services import webhooks

PAGE_SIZE = 50


class WebhookForm(FlaskForm):
    """A new webhook: URL, types (checkboxes), optional calendars, offset and description."""

    url = StringField("URL", validators=[DataRequired(message="Give the URL to send to.")])
    events = SelectMultipleField(
        "Types",
        choices=list(WEBHOOK_EVENT_TYPES),
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    calendars = StringField("Calendars", description="Calendar ids separated by spaces; empty: every calendar")
    offset_minutes = IntegerField(
        "Minutes before the start (event.starting)", default=0, validators=[Optional(), NumberRange(min=0)]
    )
    description = StringField("Description")


@bp.get("/webhooks")
@login_required
def webhook_list():
    return _list_page(WebhookForm(formdata=None))


@bp.post("/webhooks")
@login_required
def webhook_create():
    """Create a webhook and show its secret this once (the page is not cached)."""
    form = WebhookForm()
    if not form.validate_on_submit():
        return _list_page(form, status=400)
    calendars = (form.calendars.data or "").replace(",", " ").split() or None
    try:
        created = webhooks.create_webhook(
            form.url.data or "",
            form.events.data or [],
            calendars,
            form.offset_minutes.data or 0,
            form.description.data or "",
        )
    except InvalidInputError as exc:
        show_error(form, exc)
        return _list_page(form, status=422)
    return _list_page(WebhookForm(formdata=None), created=created)


@bp.post("/webhooks/<int:webhook_id>/enabled")
@login_required
def webhook_toggle(webhook_id: int):
    """Enable or disable (the form says which); htmx swaps the row in place."""
    if ConfirmForm().validate_on_submit():
        row = webhooks.set_enabled(webhook_id, request.form.get("enabled") == "true")
        return _row_or_list(webhook_id, f"Webhook {row.id} {'enabled' if row.enabled else 'disabled'}.")
    return redirect(url_for("dashboard.webhook_list"))


@bp.post("/webhooks/<int:webhook_id>/test")
@login_required
def webhook_test(webhook_id: int):
    """Queue a webhook.test delivery; the daemon sends it within a second or two."""
    if ConfirmForm().validate_on_submit():
        webhooks.queue_test(webhook_id)
        return _row_or_list(webhook_id, "Test delivery queued.")
    return redirect(url_for("dashboard.webhook_list"))


@bp.get("/webhooks/<int:webhook_id>/delete")
@login_required
def webhook_delete_confirm(webhook_id: int):
    """Without JavaScript, deleting asks on a page of its own."""
    row = webhooks.get_webhook(webhook_id)
    return full_page(
        "dashboard/confirm_delete.html",
        what="webhook",
        name=row.url,
        note="Its delivery log is deleted with it.",
        action=url_for("dashboard.webhook_delete", webhook_id=webhook_id),
        back=url_for("dashboard.webhook_list"),
        form=ConfirmForm(),
    )


@bp.post("/webhooks/<int:webhook_id>/delete")
@login_required
def webhook_delete(webhook_id: int):
    url = webhooks.get_webhook(webhook_id).url
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("dashboard.webhook_list"))
    webhooks.delete_webhook(webhook_id)
    return deleted("Webhook", url, trigger="webhooks-changed", list_endpoint="dashboard.webhook_list")


@bp.get("/webhooks/<int:webhook_id>")
@login_required
def webhook_deliveries(webhook_id: int):
    """One webhook and its delivery log, newest first, a page at a time."""
    row = webhooks.get_webhook(webhook_id)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    items, total = webhooks.list_deliveries(webhook_id, page, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return full_page(
        "dashboard/webhook_deliveries.html",
        hook=row,
        items=items,
        page=page,
        pages=pages,
        total=total,
        confirm=ConfirmForm(),
    )


def _row_or_list(webhook_id: int, message: str):
    """htmx: the webhook's row, fresh; a plain form: back to the list with a message."""
    if wants_partial():
        row = webhooks.get_webhook(webhook_id)
        last = webhooks.last_deliveries().get(webhook_id)
        return fragment("dashboard/_webhook_row.html", hook=row, last=last, notice=message, confirm=ConfirmForm())
    flash(message, "success")
    return redirect(url_for("dashboard.webhook_list"))


def _list_page(form: WebhookForm, *, status: int = 200, created: webhooks.CreatedWebhook | None = None):
    response = full_page(
        "dashboard/webhooks.html",
        status=status,
        form=form,
        hooks=webhooks.list_webhooks(),
        last=webhooks.last_deliveries(),
        created=created,
        confirm=ConfirmForm(formdata=None),
    )
    response.headers["Cache-Control"] = "no-store"
    return response
