"""Records every change made through the API or the dashboard in the audit log, after it succeeded."""

from __future__ import annotations

import logging

from flask import Flask, Response, request, session

from app.access import current_key_holder
from app.auth import SESSION_ID
from app.services import audit, dashboard_sessions

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# The command queue's claims and acks are recorded on the commands themselves (attempts, processed_at,
# completed_at, failed_at, result, error): auditing each would double the queue's writes.
NOT_AUDITED = {
    "api_commands.claim_commands",
    "api_commands.complete_command",
    "api_commands.fail_command",
    "dashboard.template_check_field",  # inline validation of a form being typed: changes nothing
}


# The dashboard session a change started in (signing out ends it before the change is recorded).
_SESSION_BEFORE = "chronos.audit_session"


def init_app(app: Flask) -> None:
    @app.before_request
    def _remember_session() -> None:
        if request.method not in SAFE_METHODS and not request.path.startswith("/api/"):
            request.environ[_SESSION_BEFORE] = session.get(SESSION_ID)

    @app.after_request
    def _audit(response: Response) -> Response:
        if request.method in SAFE_METHODS or request.endpoint in NOT_AUDITED or not request.endpoint:
            return response
        try:
            entry = _entry(response)
            if entry is not None:
                audit.record(*entry)
        except Exception:  # the change is made; a failed audit write must not turn it into an error
            log.exception("could not record %s %s in the audit log", request.method, request.path)
        return response


def _entry(response: Response) -> tuple[str, str, str, str, str | None] | None:
    """(key name, channel, action, target type, target id) of a successful change, or None."""
    blueprint, _, action = (request.endpoint or "").rpartition(".")
    if request.path.startswith("/api/"):
        holder = current_key_holder()
        if holder is None or not 200 <= response.status_code < 300:
            return None
        target_type, target_id = _target(blueprint.removeprefix("api_"), response)
        return holder.name, "api", action, target_type, target_id
    # Dashboard: a change answers a redirect or a partial; a form shown again with errors is 4xx.
    if not 200 <= response.status_code < 400:
        return None
    key_name = dashboard_sessions.key_name(session.get(SESSION_ID) or request.environ.get(_SESSION_BEFORE))
    if key_name is None:
        return None
    target_type, target_id = _target(action.split("_")[0], response)
    return key_name, "dashboard", action, target_type, target_id


def _target(resource: str, response: Response) -> tuple[str, str | None]:
    """The changed resource: named by the URL's id, else the id a create answered with."""
    for name, value in (request.view_args or {}).items():
        if name.endswith("_id"):
            return name.removesuffix("_id"), str(value)
    body = response.get_json(silent=True) if response.is_json else None
    created = body.get("id") if isinstance(body, dict) else None
    return resource.removesuffix("s"), str(created) if created is not None else None
