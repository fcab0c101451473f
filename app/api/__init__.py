"""The JSON API under /api/v1: bearer auth, JSON body checks, and the resource blueprints."""

from __future__ import annotations

import logging

from flask import Response, current_app, request
from flask_openapi3 import OpenAPI

from app.api import analytics, calendars, commands, events, notes, optimize, sync, sync_health, system, templates
from app.api.base import API_PREFIX
from app.api.errors import error_response
from app.api.validation import check_json_body
from app.auth import bearer_token, is_public_endpoint, key_matches
from app.extensions import csrf

log = logging.getLogger(__name__)

# Each resource module exposes `bp`; registration order is documentation order.
RESOURCE_MODULES = [system, events, templates, commands, notes, sync, sync_health, analytics, optimize, calendars]


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def init_app(app: OpenAPI) -> None:
    for module in RESOURCE_MODULES:
        app.register_api(module.bp)
        csrf.exempt(module.bp)  # the API authenticates with a bearer key, never the session cookie

    @app.before_request
    def _guard_api() -> Response | None:
        if not is_api_request():
            return None
        view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
        if view is not None and not is_public_endpoint(view) and not key_matches(bearer_token()):
            return error_response(
                401,
                "unauthorized",
                "A valid API key is required: send 'Authorization: Bearer <key>'.",
                headers={"WWW-Authenticate": 'Bearer realm="chronos"'},
            )
        return check_json_body() if view is not None else None


__all__ = ["API_PREFIX", "init_app"]
