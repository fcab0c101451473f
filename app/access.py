"""Who may call an /api/v1 route: the throttle, the bearer key and the scope the route needs."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from app import throttle
from app.auth import bearer_token
from app.scopes import COMMANDS, COMMANDS_PREFIX, PUBLIC, allows, required_scope
from app.services.api_keys import KeyHolder, authenticate
from app.services.command_leases import command_system

UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Bearer realm="chronos"'}
# The accepted key's holder, kept with the request (g may outlive one request).
_HOLDER = "chronos.key_holder"


def client_address() -> str:
    """The address failures are counted for (the peer's: put a proxy's ProxyFix in front to use its header)."""
    return peer_address(request.environ)


def peer_address(environ: dict[str, Any]) -> str:
    """client_address() of a WSGI environ."""
    return (environ.get("REMOTE_ADDR") or "unknown")[:64]


def current_key_holder() -> KeyHolder | None:
    """The holder of this request's bearer key, once the guard accepted it."""
    return request.environ.get(_HOLDER)


def api_access_denied() -> Response | None:
    """The answer refusing this API request (429, 401 or 403), or None when it may go on."""
    from app.api.errors import error_response  # app.api imports this module

    needed = required_scope(request.endpoint)
    if needed == PUBLIC:
        return None
    address = client_address()
    wait = throttle.retry_after(throttle.API, address)
    if wait is not None:
        return too_many_attempts(wait)
    token = bearer_token()
    holder = authenticate(token)
    if holder is None:
        if token:
            throttle.record_failure(throttle.API, address)
        return error_response(
            401,
            "unauthorized",
            "A valid API key is required: send 'Authorization: Bearer <key>'.",
            headers=UNAUTHORIZED_HEADERS,
        )
    request.environ[_HOLDER] = holder
    return None if _scope_allows(holder, needed) else _insufficient_scope(needed)


def _scope_allows(holder: KeyHolder, needed: str) -> bool:
    if needed != COMMANDS or allows(holder.scopes, needed):
        return allows(holder.scopes, needed)
    args = request.view_args or {}
    if "system_id" in args:
        return allows(holder.scopes, needed, args["system_id"])
    system_id = _command_system(args.get("command_id"))
    if system_id is None:  # no such command: a queue key may learn that much, from the route's own 404
        return any(scope.startswith(COMMANDS_PREFIX) for scope in holder.scopes)
    return allows(holder.scopes, needed, system_id)


def _command_system(command_id: int | None) -> str | None:
    return None if command_id is None else command_system(command_id)


def _insufficient_scope(needed: str) -> Response:
    from app.api.errors import error_response

    wanted = "commands:<system_id> of this command's system" if needed == COMMANDS else needed
    return error_response(
        403,
        "insufficient_scope",
        f"This key may not do this: it needs the {wanted} scope (or admin).",
        {"required_scope": wanted},
    )


def too_many_attempts(wait: int) -> Response:
    """The API's 429 for an address out of failed attempts."""
    from app.api.errors import error_response

    return error_response(
        429,
        "too_many_requests",
        f"Too many failed attempts from this address; try again in {wait} seconds.",
        {"retry_after": wait},
        headers={"Retry-After": str(wait)},
    )
