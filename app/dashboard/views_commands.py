"""The command queue page: per-status tabs, a system filter, retry and cancel."""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from app.auth import login_required
from app.dashboard import bp, queries
from app.dashboard.views_common import fragment, safe_next
from app.errors import ConflictError
from app.htmx import render, wants_partial
from app.models import COMMAND_STATUSES
from app.services import commands

PAGE_SIZE = 50


def _filters() -> dict:
    """The queue's filters from the query string; an unknown status means all statuses."""
    status = request.args.get("status", "")
    return {
        "status": status if status in COMMAND_STATUSES else "",
        "system": request.args.get("system", "").strip(),
        "page": max(request.args.get("page", 1, type=int) or 1, 1),
    }


@bp.get("/commands")
@login_required
def command_list():
    """The queue; htmx polls this for the list partial, keeping the user's filter."""
    filters = _filters()
    items, total = commands.list_commands(
        filters["status"] or None, filters["system"] or None, filters["page"], PAGE_SIZE
    )
    counts = commands.status_counts(filters["system"] or None)
    return render(
        "dashboard/commands.html",
        "dashboard/_command_queue.html",
        items=items,
        total=total,
        counts=counts,
        filters=filters,
        statuses=COMMAND_STATUSES,
        systems=queries.command_systems(),
        page_size=PAGE_SIZE,
        next_url=url_for("dashboard.command_list", **_query(filters)),
    )


def _query(filters: dict) -> dict:
    """The non-empty filters, for building URLs that keep them."""
    return {key: value for key, value in filters.items() if value and not (key == "page" and value == 1)}


@bp.post("/commands/<int:command_id>/retry")
@login_required
def command_retry(command_id: int):
    """failed → pending."""
    return _act(command_id, commands.retry_command, "Command {id} will be delivered again.")


@bp.post("/commands/<int:command_id>/cancel")
@login_required
def command_cancel(command_id: int):
    """pending → cancelled."""
    return _act(command_id, commands.cancel_command, "Command {id} was cancelled.")


def _act(command_id: int, action, message: str):
    """Run a queue action; htmx gets the changed row and a 'commands-changed' event, forms a redirect."""
    try:
        cmd = action(command_id)
    except ConflictError as exc:
        if wants_partial():
            return fragment(
                "dashboard/_command_row.html",
                trigger="commands-changed",
                cmd=commands.get_command(command_id),
                error=exc.message,
                next_url=_back(),
            )
        flash(exc.message, "error")
        return redirect(_back())
    if wants_partial():
        return fragment(
            "dashboard/_command_row.html",
            trigger="commands-changed",
            cmd=cmd,
            next_url=_back(),
            notice=message.format(id=command_id),
        )
    flash(message.format(id=command_id), "success")
    return redirect(_back())


def _back() -> str:
    """Where the form came from (the list with its filters), same-site only."""
    return safe_next(request.form.get("next") or url_for("dashboard.command_list"))
