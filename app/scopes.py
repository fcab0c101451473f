"""Scopes: what a key may do, and the one table of the scope each /api/v1 route needs."""

from __future__ import annotations

import re
from collections.abc import Iterable

ADMIN = "admin"
READ = "read"
WRITE = "write"
METRICS = "metrics"
# commands:<system_id> — poll, complete and fail that system's commands; commands:* any system's.
COMMANDS = "commands"
# Reachable without a key (the route must also carry app.auth.public for the OpenAPI document).
PUBLIC = "public"

PLAIN_SCOPES = (ADMIN, READ, WRITE, METRICS)
COMMANDS_PREFIX = "commands:"
ANY_SYSTEM = "*"
# The system ids a command route accepts (app.api.command_schemas.SystemPath): 1-200 characters, no NUL.
_SYSTEM_ID = re.compile(r"[^\x00]{1,200}")

# Which scope each /api/v1 endpoint needs. A route missing here answers only the admin key, and a test walks
# the URL map so that a new route without a line here fails the suite.
ROUTE_SCOPES: dict[str, str] = {
    "api_system.openapi_document": PUBLIC,
    "api_sync_health.sync_health_check": PUBLIC,
    # Google authenticates with the channel's id and token, checked by the route itself.
    "api_google_push.receive_google_notification": PUBLIC,
    "api_events.list_events": READ,
    "api_events.get_event": READ,
    "api_events.create_event": WRITE,
    "api_events.replace_event": WRITE,
    "api_events.patch_event": WRITE,
    "api_events.delete_event": WRITE,
    "api_templates.list_templates": READ,
    "api_templates.get_template": READ,
    "api_templates.create_template": WRITE,
    "api_templates.replace_template": WRITE,
    "api_templates.patch_template": WRITE,
    "api_templates.delete_template": WRITE,
    "api_templates.use_template": WRITE,
    "api_notes.list_notes": READ,
    "api_notes.list_urls": READ,
    "api_sync.request_calendar_sync": WRITE,
    "api_sync.get_sync_job": READ,
    "api_calendars.list_all_calendars": READ,
    "api_analytics.productivity": READ,
    "api_optimize.optimize": WRITE,
    "api_commands.list_commands": READ,
    "api_commands.claim_commands": COMMANDS,
    "api_commands.complete_command": COMMANDS,
    "api_commands.fail_command": COMMANDS,
    # Requeueing and cancelling are decisions of the people running the queue, not of a polling system.
    "api_commands.retry_command": ADMIN,
    "api_commands.cancel_command": ADMIN,
    "api_keys.create_key": ADMIN,
    "api_keys.list_keys": ADMIN,
    "api_keys.revoke_key": ADMIN,
    "api_audit.list_audit": ADMIN,
    "api_webhooks.create_webhook": ADMIN,
    "api_webhooks.list_webhooks": ADMIN,
    "api_webhooks.change_webhook": ADMIN,
    "api_webhooks.delete_webhook": ADMIN,
    "api_webhooks.test_webhook": ADMIN,
    "api_webhooks.list_deliveries": ADMIN,
    # Outside /api/v1, checked the same way (unless metrics.public).
    "metrics": METRICS,
}


def required_scope(endpoint: str | None) -> str:
    """The scope an endpoint needs; an endpoint nobody declared is for the admin key only (fail closed)."""
    return ROUTE_SCOPES.get(endpoint or "", ADMIN)


def is_valid_scope(scope: str) -> bool:
    """A scope a key may be given: one of the plain ones, or commands:<system_id> / commands:*."""
    if scope in PLAIN_SCOPES:
        return True
    system = scope.removeprefix(COMMANDS_PREFIX)
    return scope.startswith(COMMANDS_PREFIX) and bool(_SYSTEM_ID.fullmatch(system))


def allows(scopes: Iterable[str], needed: str, system_id: str | None = None) -> bool:
    """Whether a key holding `scopes` may use a route needing `needed` (for COMMANDS, on `system_id`'s queue)."""
    held = set(scopes)
    if needed == PUBLIC or ADMIN in held:
        return True
    if needed == READ:
        return bool(held & {READ, WRITE})
    if needed == COMMANDS:
        return f"{COMMANDS_PREFIX}{ANY_SYSTEM}" in held or (
            system_id is not None and f"{COMMANDS_PREFIX}{system_id}" in held
        )
    return needed in held
