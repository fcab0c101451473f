"""Errors answered in the shape of where they happen: the contract's JSON error under /api, a page elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from app.api import is_api_request
from app.api.errors import HTTP_CODES, HTTP_MESSAGES, error_response
from app.dashboard import render_error_page
from app.errors import DomainError

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _domain_error(exc: DomainError):
    if is_api_request():
        return error_response(exc.status, exc.code, exc.message, exc.details)
    return render_error_page(exc.status, exc.message)


def _http_error(exc: HTTPException):
    if exc.response is not None:
        return exc.response
    status = exc.code or 500
    if not is_api_request():
        return render_error_page(status, exc.description or "Request failed.")
    message = HTTP_MESSAGES.get(status) or exc.description or "Request failed."
    allowed = getattr(exc, "valid_methods", None)  # a 405 says which methods the path takes
    headers = {"Allow": ", ".join(allowed)} if allowed else None
    return error_response(status, HTTP_CODES.get(status, "http_error"), message, headers=headers)


def _unexpected(exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    if is_api_request():
        return error_response(500, "internal_error", "An unexpected error occurred; it has been logged.")
    return render_error_page(500, "Something went wrong on our side.")
