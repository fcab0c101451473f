"""The command queue: creation from calendar entries, leased claims, acks, retries and dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, false, func, literal, select, update

from app.config import current_settings
from app.db import write_transaction
from app.errors import InvalidInputError, NotFoundError
from app.extensions import db
from app.models import COMMAND_STATUSES, Command, UTCDateTime
from app.services.command_leases import (
    LEASE_EXPIRED,
    MAX_CLAIM,
    Claim,
    Completion,
    claim_commands,
    complete_command,
    reap_expired_leases,
    reap_job,
    wrong_state,
)
from app.services.command_sql import STATE
from app.timeutil import utcnow

# The hot path (claims, acks, lease reaping) lives in command_leases; it is part of this service's API.
__all__ = [
    "LEASE_EXPIRED",
    "MAX_CLAIM",
    "Claim",
    "Completion",
    "Failure",
    "cancel_command",
    "cancel_commands_for_event",
    "cancel_commands_for_source",
    "claim_commands",
    "complete_command",
    "create_command",
    "fail_command",
    "get_command",
    "list_commands",
    "reap_expired_leases",
    "reap_job",
    "retry_command",
    "status_counts",
]


def create_command(
    *,
    system_id: str,
    command: str,
    parameters: dict,
    source_key: str,
    available_at: datetime | None = None,
    calendar_id: str | None = None,
    external_id: str | None = None,
    event_title: str = "",
) -> tuple[Command, bool]:
    """Queue a command once per source_key: (the row, True) when created, (existing row, False) otherwise.

    Joins an outer write transaction, so a plugin can create the command and remove its event atomically.
    """
    with write_transaction() as session:
        existing = session.execute(select(Command).where(Command.source_key == source_key)).scalar_one_or_none()
        if existing is not None:
            return existing, False
        now = utcnow()
        row = Command(
            system_id=system_id,
            command=command,
            parameters=dict(parameters),
            status="pending",
            attempts=0,
            max_attempts=current_settings().commands.max_attempts,
            available_at=available_at or now,
            source_key=source_key,
            calendar_id=calendar_id,
            external_id=external_id,
            event_title=(event_title or "")[:200],
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        return row, True


def cancel_commands_for_source(source_key: str, reason: str) -> int:
    """Cancel the still-pending command of a source whose event was deleted upstream; returns how many."""
    return _cancel_pending(Command.source_key == source_key, reason)


def cancel_commands_for_event(calendar_id: str, external_id: str, reason: str) -> int:
    """Cancel still-pending commands created from one upstream event; returns how many."""
    same_event = (Command.calendar_id == calendar_id) & (Command.external_id == external_id)
    return _cancel_pending(same_event, reason)


def _cancel_pending(condition: Any, reason: str) -> int:
    now = utcnow()
    with write_transaction() as session:
        ids = (
            session.execute(
                update(Command)
                .where(condition, Command.status == "pending")
                .values(status="cancelled", error=reason, updated_at=now)
                .returning(Command.id)
            )
            .scalars()
            .all()
        )
    return len(ids)


@dataclass(frozen=True)
class Failure:
    """A reported failure: the command's new status, and when a retried one is due again."""

    command_id: int
    status: str
    error: str | None
    failed_at: datetime | None
    attempts: int
    available_at: datetime | None = None


def fail_command(command_id: int, error: str, retry: bool = False, retry_after: float = 0) -> Failure:
    """processing → pending (retry with attempts left, due after retry_after s) or failed, the dead letter.

    One guarded UPDATE: of a fail racing a complete (or a second fail), exactly one changes the command.
    """
    now = utcnow()
    requeue = Command.attempts < Command.max_attempts if retry else false()
    changed = _transition(
        command_id,
        "processing",
        "fail",
        status=case((requeue, "pending"), else_="failed"),
        available_at=case(
            (requeue, literal(now + timedelta(seconds=retry_after), UTCDateTime())), else_=Command.available_at
        ),
        failed_at=case((requeue, Command.failed_at), else_=literal(now, UTCDateTime())),
        error=error,
        lease_expires_at=None,
        updated_at=now,
    )
    due = changed.available_at if changed.status == "pending" else None
    return Failure(changed.id, changed.status, changed.error, changed.failed_at, changed.attempts, due)


def retry_command(command_id: int) -> Command:
    """failed → pending, due now, with its attempts reset (a person decided to try again)."""
    now = utcnow()
    return _transition(
        command_id,
        "failed",
        "retry",
        status="pending",
        attempts=0,
        available_at=now,
        updated_at=now,
        failed_at=None,
        lease_expires_at=None,
        error=None,
        dead_letter_sent_at=None,  # failing again is a new dead letter, announced again
    )


def cancel_command(command_id: int, reason: str = "cancelled by a user") -> Command:
    """pending → cancelled; a delivered command cannot be called back."""
    return _transition(command_id, "pending", "cancel", status="cancelled", error=reason, updated_at=utcnow())


def _transition(command_id: int, allowed: str, action: str, **values: Any) -> Command:
    """Move one command out of ``allowed`` in a single UPDATE ... WHERE status = allowed RETURNING.

    The status check and the change are one statement, so two callers racing (on any backend, in any number of
    processes) cannot both succeed: PostgreSQL re-checks the condition on the row it locks. NotFoundError or
    ConflictError otherwise.
    """
    with write_transaction() as session:
        changed = session.execute(
            update(Command)
            .where(Command.id == command_id, Command.status == allowed)
            .values(**values)
            .returning(Command)
            .execution_options(populate_existing=True, synchronize_session=False)
        ).scalar_one_or_none()
        if changed is None:
            state = _require_found(session.execute(STATE, {"command_id": command_id}).first(), command_id)
            raise wrong_state(command_id, state.status, action, allowed)
    return changed


def get_command(command_id: int) -> Command:
    return _require_found(db.session.get(Command, command_id), command_id)


def list_commands(status: str | None, system_id: str | None, page: int, page_size: int) -> tuple[list[Command], int]:
    """One page of commands, newest first, with the total matching count; claims nothing."""
    if status is not None and status not in COMMAND_STATUSES:
        raise InvalidInputError("status", f"must be one of {', '.join(COMMAND_STATUSES)}")
    query = select(Command)
    if status:
        query = query.where(Command.status == status)
    if system_id:
        query = query.where(Command.system_id == system_id)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    items = (
        db.session.execute(query.order_by(Command.id.desc()).offset((page - 1) * page_size).limit(page_size))
        .scalars()
        .all()
    )
    return list(items), total


def status_counts(system_id: str | None = None) -> dict[str, int]:
    """How many commands are in each status (every status present, zeros included)."""
    query = select(Command.status, func.count()).group_by(Command.status)
    if system_id:
        query = query.where(Command.system_id == system_id)
    counts = dict.fromkeys(COMMAND_STATUSES, 0)
    counts.update({status: count for status, count in db.session.execute(query).all()})
    return counts


def _require_found(value: Any, command_id: int) -> Any:
    if value is None:
        raise NotFoundError(f"No command with id {command_id}.")
    return value
