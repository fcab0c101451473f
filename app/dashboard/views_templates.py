"""The templates page: ranked search, create, inline edit, delete with confirmation, use."""

from __future__ import annotations

import re

from flask import flash, redirect, request, url_for

from app.auth import login_required
from app.config import current_settings
from app.dashboard import bp
from app.dashboard.form_checks import humanize
from app.dashboard.forms import ConfirmForm, TemplateForm, UseTemplateForm, show_error
from app.dashboard.views_common import deleted, fragment, full_page
from app.errors import InvalidInputError
from app.htmx import render, wants_partial
from app.plugins import Consumed
from app.services import templates
from app.timeutil import today

PAGE_SIZE = 50
LIVE_FIELDS = ("title", "default_time", "duration_minutes", "calendar_id", "tags")
PREFIX = re.compile(r"[a-z0-9-]{0,16}")


def _list_context(form: TemplateForm | None = None) -> dict:
    q = request.args.get("q", "").strip()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    items, total = templates.list_templates(q or None, page, PAGE_SIZE)
    return {
        "items": items,
        "total": total,
        "q": q,
        "page_no": page,
        "page_size": PAGE_SIZE,
        "form": form or TemplateForm(formdata=None),
    }


@bp.get("/templates")
@login_required
def template_list():
    """Templates, best match first; the search box asks for just the results partial."""
    return render("dashboard/templates.html", "dashboard/_template_results.html", **_list_context())


@bp.post("/templates")
@login_required
def template_create():
    """Create from the form; errors re-render the page with messages beside the fields."""
    form = TemplateForm()
    if form.validate_on_submit() and form.check_all():
        try:
            created = templates.create_template(form.service_fields())
        except InvalidInputError as exc:
            show_error(form, exc)
        else:
            flash(f"Template “{created.title}” created.", "success")
            return redirect(url_for("dashboard.template_list"))
    return full_page("dashboard/templates.html", 422, **_list_context(form))


@bp.get("/templates/<int:template_id>/edit")
@login_required
def template_edit(template_id: int):
    """The edit form: a table row for htmx, a page of its own otherwise."""
    template = templates.get_template(template_id)
    return render(
        "dashboard/template_edit.html", "dashboard/_template_edit_row.html", t=template, form=_filled_form(template)
    )


@bp.get("/templates/<int:template_id>/row")
@login_required
def template_row(template_id: int):
    """One row back in display mode (the edit form's Cancel)."""
    if not wants_partial():
        return redirect(url_for("dashboard.template_list"))
    return fragment("dashboard/_template_row.html", t=templates.get_template(template_id))


@bp.post("/templates/<int:template_id>")
@login_required
def template_update(template_id: int):
    """Save an edit: the row comes back, or the form with its errors (200 for htmx so it is swapped in)."""
    template = templates.get_template(template_id)
    form = TemplateForm()
    if form.validate_on_submit() and form.check_all():
        try:
            template = templates.update_template(template_id, form.service_fields())
        except InvalidInputError as exc:
            show_error(form, exc)
        else:
            if wants_partial():
                return fragment(
                    "dashboard/_template_row.html", t=template, trigger="templates-changed", notice="Saved."
                )
            flash(f"Template “{template.title}” saved.", "success")
            return redirect(url_for("dashboard.template_list"))
    if wants_partial():
        return fragment("dashboard/_template_edit_row.html", t=template, form=form)
    return full_page("dashboard/template_edit.html", 422, t=template, form=form)


@bp.post("/templates/check/<field>")
@login_required
def template_check_field(field: str):
    """Inline validation: check one field of a template form as it changes; answers its error slot."""
    prefix = request.args.get("prefix", "")
    if field not in LIVE_FIELDS or not PREFIX.fullmatch(prefix):
        return fragment("dashboard/_empty.html", status=400)
    message = ""
    value = TemplateForm().service_fields(strict=False)[field]
    try:
        templates.clean_fields({field: value}, partial=True)
    except InvalidInputError as exc:
        message = humanize(exc.field, exc.message, value)
    return fragment("dashboard/_field_error.html", fid=prefix + field, message=message)


@bp.get("/templates/<int:template_id>/delete")
@login_required
def template_delete_confirm(template_id: int):
    """Without JavaScript, deleting asks on a page of its own."""
    return full_page(
        "dashboard/confirm_delete.html",
        what="template",
        name=templates.get_template(template_id).title,
        action=url_for("dashboard.template_delete", template_id=template_id),
        back=url_for("dashboard.template_list"),
        form=ConfirmForm(),
    )


@bp.post("/templates/<int:template_id>/delete")
@login_required
def template_delete(template_id: int):
    """Delete; htmx gets an empty answer so the row disappears in place."""
    title = templates.get_template(template_id).title
    templates.delete_template(template_id)
    return deleted("Template", title, trigger="templates-changed", list_endpoint="dashboard.template_list")


@bp.route("/templates/<int:template_id>/use", methods=["GET", "POST"])
@login_required
def template_use(template_id: int):
    """Create an event from the template on a chosen day (and time), counting the use."""
    template = templates.get_template(template_id)
    form = UseTemplateForm(data={"on": today(current_settings().zone), "at": template.default_time or ""})
    if form.validate_on_submit():
        try:
            made = templates.create_event_from_template(template_id, form.on.data, form.at.data or None)
        except InvalidInputError as exc:
            show_error(form, exc)
        else:
            return _after_use(made)
    status = 422 if request.method == "POST" else 200
    return full_page("dashboard/template_use.html", status, t=template, form=form)


def _after_use(made):
    """Go to the new event, or say which plugin took it (a template titled 'NOTE: ...')."""
    if isinstance(made, Consumed):
        flash(f"The {made.plugin} plugin turned the new entry into a {made.kind}; no event was stored.", "success")
        return redirect(url_for("dashboard.template_list"))
    flash(f"Event “{made.title}” created from the template.", "success")
    return redirect(url_for("dashboard.event_detail", event_id=made.id))


def _filled_form(template) -> TemplateForm:
    return TemplateForm(
        formdata=None,
        data={
            "title": template.title,
            "description": template.description,
            "all_day": template.all_day,
            "default_time": template.default_time or "",
            "duration_minutes": str(template.duration_minutes),
            "calendar_id": template.calendar_id,
            "tags": ", ".join(template.tags or []),
            "author": template.author,
        },
    )
