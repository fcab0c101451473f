"""Event search (active search, highlighting, load more) and the event detail with edit and delete."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, request, url_for

from app.auth import login_required
from app.config import current_settings
from app.dashboard import bp, queries
from app.dashboard.forms import ConfirmForm, EventForm, show_error
from app.dashboard.views_common import day_param, deleted, fragment, full_page, iso_local
from app.errors import InvalidInputError
from app.htmx import render, wants_partial
from app.services import calendars, events
from app.timeutil import today, utcnow

PAGE_SIZE = 100
RANGES = [("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("365", "a year"), ("-1", "any time")]
DIRECTIONS = [("future", "from the date on"), ("past", "up to the date"), ("all", "before and after")]


def search_filters() -> dict:
    """The search form's values, with the API's names; anything unknown falls back to a default.

    The list opens on today, upcoming events first (a search by words ranks by match instead).
    """
    args = request.args
    direction = args.get("direction", "future")
    range_days = args.get("range", "365")
    anchor = day_param("anchor", None) or today(current_settings().zone)
    return {
        "q": args.get("q", "").strip(),
        "calendar": [c for c in args.getlist("calendar") if c],
        "direction": direction if direction in dict(DIRECTIONS) else "future",
        "range": range_days if range_days in dict(RANGES) else "365",
        "anchor": anchor,
        "page": max(args.get("page", 1, type=int) or 1, 1),
    }


def filter_args(filters: dict, **changes) -> dict:
    """URL arguments that repeat the filters (for load-more and polling links)."""
    merged = {**filters, **changes}
    out = {
        "q": merged["q"] or None,
        "calendar": merged["calendar"] or None,
        "direction": merged["direction"],
        "range": merged["range"],
        "anchor": merged["anchor"].isoformat() if merged["anchor"] else None,
    }
    if merged["page"] > 1:
        out["page"] = merged["page"]
    return out


@bp.app_template_global("writable_calendars")
def writable_calendars() -> list[str]:
    """For the event forms' calendar picker: "local" and every writable account calendar."""
    return ["local", *calendars.writable_calendar_ids()]


@bp.get("/events")
@login_required
def event_list():
    """Search: the whole page, the results partial while typing, or just more rows for 'load more'."""
    filters = search_filters()
    items, total = events.list_events(
        calendars=filters["calendar"] or None,
        anchor=filters["anchor"],
        range_days=int(filters["range"]),
        direction=filters["direction"],
        q=filters["q"] or None,
        page=filters["page"],
        page_size=PAGE_SIZE,
    )
    partial = "dashboard/_event_rows.html" if filters["page"] > 1 else "dashboard/_event_results.html"
    more = total > filters["page"] * PAGE_SIZE
    return render(
        "dashboard/events.html",
        partial,
        items=items,
        total=total,
        filters=filters,
        more=more,
        next_url=url_for("dashboard.event_list", **filter_args(filters, page=filters["page"] + 1)),
        calendars=queries.event_calendars(),
        ranges=RANGES,
        directions=DIRECTIONS,
    )


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def event_new():
    """Create an event; it goes through the plugins, so "NOTE: ..." becomes a note, "ACTION: ..." a command."""
    form = EventForm() if request.method == "POST" else _new_form()
    fields = {name: value for name, value in form.service_fields().items() if value not in (None, "")}
    if form.validate_on_submit() and form.check_all(fields):
        try:
            event, consumed = events.create_event(fields)
        except InvalidInputError as exc:
            show_error(form, exc)
        else:
            if consumed is not None:
                flash(f"The {consumed.plugin} plugin turned the entry into a {consumed.kind}.", "success")
                return redirect(
                    url_for("dashboard.note_list" if consumed.kind != "command" else "dashboard.command_list")
                )
            if event is not None:
                flash(f"Event “{event.title}” created.", "success")
                return redirect(url_for("dashboard.event_detail", event_id=event.id))
    return full_page("dashboard/event_new.html", 422 if request.method == "POST" else 200, form=form)


@bp.get("/events/<int:event_id>")
@login_required
def event_detail(event_id: int):
    """One event with its edit form."""
    event = events.get_event(event_id)
    return render("dashboard/event.html", "dashboard/_event_detail.html", event=event, form=_filled(event))


@bp.post("/events/<int:event_id>")
@login_required
def event_update(event_id: int):
    """Save an edit (the plugins run again); errors come back beside their fields."""
    event = events.get_event(event_id)
    form = EventForm()
    if form.validate_on_submit() and form.check_all(form.service_fields()):
        try:
            event = events.update_event(event_id, form.service_fields(), partial=True)
        except InvalidInputError as exc:
            show_error(form, exc)
        else:
            if wants_partial():
                return fragment(
                    "dashboard/_event_detail.html",
                    trigger="events-changed",
                    event=event,
                    form=_filled(event),
                    notice="Saved.",
                )
            flash(f"Event “{event.title}” saved.", "success")
            return redirect(url_for("dashboard.event_detail", event_id=event_id))
    if wants_partial():
        return fragment("dashboard/_event_detail.html", event=event, form=form)
    return full_page("dashboard/event.html", 422, event=event, form=form)


@bp.get("/events/<int:event_id>/delete")
@login_required
def event_delete_confirm(event_id: int):
    """Without JavaScript, deleting asks on a page of its own."""
    event = events.get_event(event_id)
    note = "It is also deleted in its calendar at the next sync." if event.external_id else ""
    return full_page(
        "dashboard/confirm_delete.html",
        what="event",
        name=event.title,
        note=note,
        action=url_for("dashboard.event_delete", event_id=event_id),
        back=url_for("dashboard.event_detail", event_id=event_id),
        form=ConfirmForm(),
    )


@bp.post("/events/<int:event_id>/delete")
@login_required
def event_delete(event_id: int):
    """Delete; htmx gets an empty answer so the result row disappears in place."""
    title = events.get_event(event_id).title
    events.delete_event(event_id)
    return deleted("Event", title, trigger="events-changed", list_endpoint="dashboard.event_list")


def _new_form() -> EventForm:
    """An empty event starting at the next full hour, one hour long."""
    start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return EventForm(
        formdata=None,
        data={
            "start_time": iso_local(start),
            "end_time": iso_local(start + timedelta(hours=1)),
            "calendar_id": "local",
            "priority": "MEDIUM",
            "event_type": "meeting",
            "status": "scheduled",
        },
    )


def _filled(event) -> EventForm:
    """The edit form holding the stored values, shown in the app time zone."""
    from app.dashboard.views_common import iso_local, local

    end = local(event.end_time)
    start_text = event.all_day_date.isoformat() if event.all_day and event.all_day_date else iso_local(event.start_time)
    end_text = end.date().isoformat() if event.all_day and end is not None else iso_local(event.end_time)
    return EventForm(
        formdata=None,
        data={
            "title": event.title,
            "description": event.description,
            "location": event.location,
            "calendar_id": event.calendar_id,
            "tags": ", ".join(event.tags or []),
            "priority": event.priority,
            "event_type": event.event_type,
            "status": event.status,
            "all_day": event.all_day,
            "start_time": start_text,
            "end_time": end_text,
        },
    )
