"""A way past Flask for the command queue's two hot requests, when they are plain and will succeed.

External systems poll (`GET /api/v1/commands/<system_id>`) and acknowledge (`POST …/<id>/complete`) many
times a second, and Flask's request machinery (contexts, routing, hooks, the response object) costs a web
process several times the queue's own work. QueueLane sits in front of the Flask app and answers those two
requests itself when nothing about them is unusual: a plain query, a JSON object body, a key allowed on the
command's system, an address the throttle lets through, and a service call that succeeds. It uses the same
services, key check, scope rule, request and answer models, security headers and request metrics as the
routes in app/api/commands.py.

Everything else goes to Flask untouched, and Flask answers it as it always does: other routes, other methods,
debug mode, a query or body the lane does not read exactly as the route does, a missing or wrong key, a scope
the key lacks, an error raised by the service (which Flask then runs again, to answer it its way). So the lane
only ever answers 200, and every refusal and error answer keeps its one definition.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel, ValidationError

from app import throttle
from app.access import peer_address
from app.api.answer import answer_json
from app.api.command_schemas import (
    ClaimQuery,
    ClaimResponse,
    CommandPath,
    CompleteBody,
    CompleteResponse,
    SystemPath,
)
from app.api.validation import MAX_JSON_DEPTH, json_depth
from app.auth import token_of
from app.metrics import request_metrics
from app.scopes import allows, required_scope
from app.security import SECURITY_HEADERS
from app.services import commands
from app.services.api_keys import authenticate
from app.services.command_leases import command_system

Model = TypeVar("Model", bound=BaseModel)
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

PREFIX = "/api/v1/commands/"
POLL_PATH = re.compile(r"/api/v1/commands/([^/]+)")
COMPLETE_PATH = re.compile(r"/api/v1/commands/([0-9]{1,10})/complete")
# The one query a poll may have here: nothing, or a limit in plain digits.
POLL_QUERY = re.compile(r"(?:limit=([0-9]{1,3}))?")
POLL_ENDPOINT = "api_commands.claim_commands"
COMPLETE_ENDPOINT = "api_commands.complete_command"


class Unusual(Exception):
    """This request is for Flask to answer."""


class QueueLane:
    """WSGI middleware: answers the plain, successful queue poll and completion; passes on everything else."""

    def __init__(self, app: Flask, flask_wsgi: WsgiApp) -> None:
        self.app = app
        self.flask_wsgi = flask_wsgi
        self.metrics = request_metrics(app)
        self.max_body = app.config["MAX_CONTENT_LENGTH"]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX) or not path.isascii() or self.app.debug:
            return self.flask_wsgi(environ, start_response)
        started = time.perf_counter()
        with self.app.app_context():
            try:
                model, result = self._serve(environ, path)
            except Exception:  # Unusual, or the service's error: Flask runs the request and answers it its own way
                return self.flask_wsgi(environ, start_response)
            # Outside the try: a claim made is never claimed again by Flask.
            data = answer_json(model, result).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *SECURITY_HEADERS]
        start_response("200 OK", headers)
        self.metrics.observe(environ["REQUEST_METHOD"], 200, time.perf_counter() - started)
        return [data]

    def _serve(self, environ: dict[str, Any], path: str) -> tuple[type[BaseModel], Any]:
        """The request done: its answer model and the service's result; Unusual when it is for Flask."""
        method = environ["REQUEST_METHOD"]
        if method == "GET" and (poll := POLL_PATH.fullmatch(path)):
            query = POLL_QUERY.fullmatch(environ.get("QUERY_STRING", ""))
            if query is None:
                raise Unusual
            system_id = _valid(SystemPath, system_id=poll[1]).system_id
            limit = _valid(ClaimQuery, **({"limit": query[1]} if query[1] else {})).limit
            _check_access(environ, POLL_ENDPOINT, system_id)
            return ClaimResponse, commands.claim_commands(system_id, limit)
        if method == "POST" and (complete := COMPLETE_PATH.fullmatch(path)):
            command_id = _valid(CommandPath, command_id=complete[1]).command_id
            result = self._json_object(environ)
            owner = command_system(command_id)
            if owner is None:
                raise Unusual
            _check_access(environ, COMPLETE_ENDPOINT, owner)
            return CompleteResponse, commands.complete_command(command_id, result or {})
        raise Unusual

    def _json_object(self, environ: dict[str, Any]) -> dict[str, Any]:
        """The request's JSON object body ({} when empty), read as app/api/validation.py reads it.

        The body is read here; it is put back in the environ for Flask before anything can refuse it.
        """
        if environ.get("HTTP_TRANSFER_ENCODING") or environ.get("HTTP_EXPECT"):
            raise Unusual
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Unusual from None
        if not 0 <= length <= self.max_body:
            raise Unusual
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        if not raw:
            return {}
        if environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != "application/json":
            raise Unusual
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise Unusual from None
        if not isinstance(body, dict) or json_depth(body) > MAX_JSON_DEPTH:
            raise Unusual
        _valid(CompleteBody, **body)  # the route's body rule; the object itself is what the route stores
        return body


def _valid(model: type[Model], **fields: Any) -> Model:
    try:
        return model.model_validate(fields)
    except ValidationError:
        raise Unusual from None


def _check_access(environ: dict[str, Any], endpoint: str, system_id: str) -> None:
    """The route's access rule (app/access.py) for a request that passes it; Unusual for any other."""
    if throttle.retry_after(throttle.API, peer_address(environ)) is not None:
        raise Unusual
    holder = authenticate(token_of(environ.get("HTTP_AUTHORIZATION", "")))
    if holder is None or not allows(holder.scopes, required_scope(endpoint), system_id):
        raise Unusual


def install(app: Flask) -> None:
    """Put the lane in front of the app's WSGI callable (so the test client goes through it too)."""
    app.wsgi_app = QueueLane(app, app.wsgi_app)  # type: ignore[method-assign]
