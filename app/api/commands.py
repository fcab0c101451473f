"""The command queue for external systems: claim, complete, fail; list, retry and cancel for people."""

from __future__ import annotations

from typing import Any

from flask import request

from app.api.answer import answer, page_of
from app.api.base import api_blueprint
from app.api.command_schemas import (
    ClaimQuery,
    ClaimResponse,
    CommandOut,
    CommandPage,
    CommandPath,
    CompleteBody,
    CompleteResponse,
    FailBody,
    FailResponse,
    ListQuery,
    SystemPath,
)
from app.api.schemas import ErrorResponse
from app.services import commands

bp = api_blueprint("commands", "Commands", "The queue external systems poll: leased claims, acks, retries.")

CONFLICT: dict[str | int, Any] = {409: ErrorResponse, 404: ErrorResponse}


@bp.get("/commands", summary="List commands (claims nothing)", responses={200: CommandPage})
def list_commands(query: ListQuery):
    items, total = commands.list_commands(query.status, query.system_id, query.page, query.page_size)
    return answer(CommandPage, page_of(items, query.page, query.page_size, total))


@bp.get("/commands/<string:system_id>", summary="Claim due commands of one system", responses={200: ClaimResponse})
def claim_commands(path: SystemPath, query: ClaimQuery):
    """Lease up to `limit` due pending commands, oldest first; expired leases are returned first."""
    return answer(ClaimResponse, commands.claim_commands(path.system_id, query.limit))


@bp.post(
    "/commands/<int:command_id>/complete",
    summary="Acknowledge a claimed command",
    responses={200: CompleteResponse, **CONFLICT},
)
def complete_command(path: CommandPath, body: CompleteBody):
    """processing → completed; the body (any JSON object) is stored as the result. Repeating it is a no-op."""
    return answer(CompleteResponse, commands.complete_command(path.command_id, request.get_json(silent=True) or {}))


@bp.post(
    "/commands/<int:command_id>/fail", summary="Report a failed command", responses={200: FailResponse, **CONFLICT}
)
def fail_command(path: CommandPath, body: FailBody):
    """processing → pending (retry, attempts left, due after retry_after s) or failed (the dead letter)."""
    return answer(FailResponse, commands.fail_command(path.command_id, body.error, body.retry, body.retry_after))


@bp.post(
    "/commands/<int:command_id>/retry", summary="Requeue a failed command", responses={200: CommandOut, **CONFLICT}
)
def retry_command(path: CommandPath):
    """failed → pending, due now, attempts reset."""
    return answer(CommandOut, commands.retry_command(path.command_id))


@bp.post(
    "/commands/<int:command_id>/cancel", summary="Cancel a pending command", responses={200: CommandOut, **CONFLICT}
)
def cancel_command(path: CommandPath):
    """pending → cancelled."""
    return answer(CommandOut, commands.cancel_command(path.command_id))
