"""The JSON API under /api/v1: bearer auth, JSON errors, and the resource blueprints."""

from __future__ import annotations

import logging

from flask import Response, current_app, request
from flask_openapi3 import OpenAPI
from werkzeug.exceptions import HTTPException

from app.api import analytics, commands, events, notes, optimize, sync, sync_health, system, templates
from app.api.base import API_PREFIX
from app.api.errors import HTTP_CODES, HTTP_MESSAGES, error_response
from app.api.validation import check_json_body
from app.auth import bearer_token, is_public_endpoint, key_matches
from app.errors import DomainError
from app.extensions import csrf

log = logging.getLogger(__name__)

# Each resource module exposes `bp`; registration order is documentation order.
RESOURCE_MODULES = [system, events, templates, commands, notes, sync, sync_health, analytics, optimize]


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

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        if is_api_request():
            return error_response(exc.status, exc.code, exc.message, exc.details)
        return current_app.extensions["chronos.html_error"](exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.response is not None:
            return exc.response
        if not is_api_request():
            return current_app.extensions["chronos.html_error"](exc.code or 500, exc.description)
        status = exc.code or 500
        message = HTTP_MESSAGES.get(status) or exc.description or "Request failed."
        headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None
        return error_response(status, HTTP_CODES.get(status, "http_error"), message, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if is_api_request():
            return error_response(500, "internal_error", "An unexpected error occurred; it has been logged.")
        return current_app.extensions["chronos.html_error"](500, "Something went wrong on our side.")


__all__ = ["API_PREFIX", "init_app"]
