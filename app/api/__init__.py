"""The JSON API under /api/v1: bearer auth, JSON body checks, and the resource blueprints."""

from __future__ import annotations

import logging

from flask import Response, current_app, request
from flask_openapi3 import OpenAPI

from app.access import api_access_denied
from app.api import (
    analytics,
    audit,
    calendars,
    commands,
    events,
    google_push,
    keys,
    notes,
    optimize,
    sync,
    sync_health,
    system,
    templates,
    webhooks,
)
from app.api.base import API_PREFIX
from app.api.validation import check_json_body
from app.extensions import csrf

log = logging.getLogger(__name__)

# Each resource module exposes `bp`; registration order is documentation order.
RESOURCE_MODULES = [
    system,
    events,
    templates,
    commands,
    notes,
    sync,
    sync_health,
    analytics,
    optimize,
    calendars,
    keys,
    audit,
    google_push,
    webhooks,
]


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
        if request.endpoint not in current_app.view_functions:
            return None
        # The throttle, the bearer key and the route's scope (app.scopes.ROUTE_SCOPES).
        return api_access_denied() or check_json_body()


__all__ = ["API_PREFIX", "init_app"]
