"""Shared by the dashboard pages: fragment responses, local-time filters and safe search highlighting."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response as BaseResponse

from app.config import current_settings
from app.dashboard import bp
from app.dashboard.time_format import iso_local, local  # noqa: F401  (registers the time filters; re-exported)
from app.errors import InvalidInputError
from app.timeutil import OutOfRange, parse_day


def day_param(name: str, fallback: date | None) -> date | None:
    """A YYYY-MM-DD query parameter: missing or malformed gives the fallback; a date outside the supported range
    is refused (422 page) rather than silently replaced."""
    try:
        return parse_day(request.args.get(name, ""))
    except OutOfRange as exc:
        raise InvalidInputError(name, str(exc)) from None
    except ValueError:
        return fallback


def safe_next(target: str | None) -> str:
    """Where to go after a form: only same-site paths are followed, anything else goes home."""
    if not target:
        return url_for("dashboard.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.home")
    return target


@bp.after_request
def replace_flashes(response: BaseResponse) -> BaseResponse:
    """An htmx change also replaces the page's messages (with its own, if any), so the note of an earlier
    action (“created”) never stays on screen after a later one."""
    from app.htmx import wants_partial

    changed = "HX-Trigger" in response.headers  # a mutation that worked, not a form coming back with errors
    if changed and wants_partial() and response.status_code < 300 and response.mimetype == "text/html":
        response.set_data(response.get_data(as_text=True) + render_template("dashboard/_flashes.html", oob=True))
    return response


def fragment(template: str, *, trigger: str | None = None, status: int = 200, **context) -> Response:
    """A partial answering an htmx mutation, with an optional HX-Trigger event name ("x-changed")."""
    response = make_response(render_template(template, **context), status)
    response.headers.add("Vary", "HX-Request")
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


def deleted(what: str, title: str, *, trigger: str, list_endpoint: str) -> BaseResponse:
    """After a delete: htmx gets an empty answer (the row disappears in place), a plain form a redirect."""
    from app.htmx import wants_partial

    if wants_partial():
        return fragment("dashboard/_empty.html", trigger=trigger)
    flash(f"{what} “{title}” deleted.", "success")
    return redirect(url_for(list_endpoint))


def full_page(template: str, status: int = 200, **context) -> Response:
    """A whole page (a form shown again with its errors, a confirmation), varying on HX-Request like all."""
    return fragment(template, status=status, **context)


def highlight(text: str | None, query: str | None) -> Markup:
    """Escape ``text`` and wrap the words of ``query`` in <mark>; the only markup is ours.

    The raw text is split around matches first and every piece escaped on its own, so a query can
    never match inside an entity or produce markup from the event's own text.
    """
    text = text or ""
    pattern = _query_pattern(query or "")
    if pattern is None:
        return escape(text)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece of user text above went through escape()


bp.add_app_template_filter(highlight, "highlight")


@lru_cache(maxsize=64)
def _query_pattern(query: str) -> re.Pattern[str] | None:
    """One case-insensitive pattern for the searched words, longest first (compiled once per query)."""
    distinct = {word.strip('"*()') for word in query.split() if any(ch.isalnum() for ch in word)}
    words = sorted((word for word in distinct if word), key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)


@bp.app_template_global("event_href_prefix")
def event_href_prefix() -> str:
    """'/events/' built once with url_for, so long lists do not pay for url_for on every row."""
    return url_for("dashboard.event_detail", event_id=0).removesuffix("0")


@bp.app_template_global("google_connected")
def google_connected() -> bool:
    """Whether a Google token is stored (a file check, cheap enough for the polling badge)."""
    from app.services.google_auth import is_connected

    return is_connected(current_settings())


@bp.app_template_global("health_state")
def health_state():
    """(report, healthy) for the layout's health badge, rendered on the server so it shows a real state
    without JavaScript (htmx then keeps it fresh)."""
    from app.services.health import health_report

    return health_report(with_details=False)
