"""The one partial-or-page rendering helper."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request


def wants_partial() -> bool:
    """An htmx request that is not a boosted navigation wants only the fragment."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, partial: str, status: int = 200, **context: Any) -> Response:
    """Render ``partial`` for htmx requests and ``page`` (which includes it) otherwise."""
    response = make_response(render_template(partial if wants_partial() else page, **context), status)
    response.headers.add("Vary", "HX-Request")
    return response
