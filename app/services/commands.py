"""The command queue: creation from calendar entries, leased claims, acks, retries and dead letters."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, update

from app.config import current_settings
from app.db import write_transaction
from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.extensions import db
from app.models import COMMAND_STATUSES, Command
from app.timeutil import format_utc, utcnow

LEASE_EXPIRED = "lease expired"
MAX_CLAIM = 100

# The fields a poller receives for each claimed command, in the contract's order.
CLAIM_COLUMNS = (Command.id, Command.command, Command.parameters, Command.status, Command.attempts,
                 Command.created_at, Command.processed_at, Command.lease_expires_at)


def create_command(*, system_id: str, command: str, parameters: dict, source_key: str,
                   available_at: datetime | None = None, calendar_id: str | None = None,
                   external_id: str | None = None, event_title: str = "") -> tuple[Command, bool]:
    """Queue a command once per source_key: (the row, True) when created, (existing row, False) otherwise.

    Joins an outer write transaction, so a plugin can create the command and remove its event atomically.
    """
    with write_transaction() as session:
        existing = session.execute(
            select(Command).where(Command.source_key == source_key)).scalar_one_or_none()
        if existing is not None:
            return existing, False
        now = utcnow()
        row = Command(
            system_id=system_id, command=command, parameters=dict(parameters), status="pending", attempts=0,
            max_attempts=current_settings().commands.max_attempts, available_at=available_at or now,
            source_key=source_key, calendar_id=calendar_id, external_id=external_id,
            event_title=(event_title or "")[:200], created_at=now, updated_at=now,
        )
        session.add(row)
        session.flush()
        return row, True


def delivery_time(event_start: datetime | None) -> datetime | None:
    """When a command made from an event may be delivered: its start if deliver_at_event_start, else now."""
    if not current_settings().command_handler.deliver_at_event_start or event_start is None:
        return None
    return event_start if event_start > utcnow() else None


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
        ids = session.execute(
            update(Command).where(condition, Command.status == "pending")
            .values(status="cancelled", error=reason, updated_at=now).returning(Command.id)
        ).scalars().all()
    return len(ids)


def reap_expired_leases(now: datetime | None = None) -> int:
    """Return expired leases to pending, or to failed once attempts are used up; returns how many changed."""
    now = now or utcnow()
    with write_transaction() as session:
        exhausted = Command.attempts >= Command.max_attempts
        ids = session.execute(
            update(Command)
            .where(Command.status == "processing", Command.lease_expires_at <= now)
            .values(
                status=case((exhausted, "failed"), else_="pending"),
                error=case((exhausted, LEASE_EXPIRED), else_=Command.error),
                failed_at=case((exhausted, now), else_=Command.failed_at),
                lease_expires_at=None, updated_at=now,
            )
            .returning(Command.id)
        ).scalars().all()
    return len(ids)


def reap_job() -> bool:
    """Daemon job: reap expired leases so stale commands show up even when nobody polls."""
    return reap_expired_leases() > 0


def claim_commands(system_id: str, limit: int = 10) -> dict[str, Any]:
    """Atomically lease up to ``limit`` due pending commands of one system, oldest first.

    One IMMEDIATE transaction: expired leases are reaped first, then one UPDATE ... RETURNING claims,
    so two pollers (threads or processes) can never receive the same command.
    """
    if not 1 <= limit <= MAX_CLAIM:
        raise InvalidInputError("limit", f"must be between 1 and {MAX_CLAIM}")
    lease = timedelta(seconds=current_settings().commands.lease_seconds)
    with write_transaction() as session:
        now = utcnow()
        reap_expired_leases(now)
        due = (select(Command.id)
               .where(Command.system_id == system_id, Command.status == "pending",
                      Command.available_at <= now)
               .order_by(Command.id).limit(limit))
        rows = session.execute(
            update(Command).where(Command.id.in_(due.scalar_subquery()))
            .values(status="processing", attempts=Command.attempts + 1, processed_at=now,
                    lease_expires_at=now + lease, updated_at=now)
            .returning(*CLAIM_COLUMNS)
            .execution_options(synchronize_session=False)
        ).all()
    # RETURNING order is unspecified in SQLite; the contract promises oldest first.
    commands = [_claimed_json(row) for row in sorted(rows, key=lambda row: row.id)]
    return {"system_id": system_id, "commands": commands, "count": len(commands),
            "retrieved_at": format_utc(now)}


def _claimed_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "command": row.command, "parameters": row.parameters, "status": row.status,
            "attempts": row.attempts, "created_at": format_utc(row.created_at),
            "processed_at": format_utc(row.processed_at),
            "lease_expires_at": format_utc(row.lease_expires_at)}


def complete_command(command_id: int, result: dict[str, Any] | None = None) -> dict[str, Any]:
    """processing → completed with the poller's result; repeating it answers the same, unchanged."""
    with write_transaction() as session:
        now = utcnow()
        done = session.execute(
            update(Command).where(Command.id == command_id, Command.status == "processing")
            .values(status="completed", completed_at=now, result=result or {}, lease_expires_at=None,
                    updated_at=now)
            .returning(Command.completed_at)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if done is None:
            row = session.execute(select(Command.status, Command.completed_at)
                                  .where(Command.id == command_id)).one_or_none()
            _require_found(row, command_id)
            if row.status != "completed":
                raise _wrong_state(command_id, row.status, "complete", "processing")
            done = row.completed_at
    return {"command_id": command_id, "status": "completed", "completed_at": format_utc(done)}


def fail_command(command_id: int, error: str, retry: bool = False, retry_after: float = 0) -> dict[str, Any]:
    """processing → pending (retry with attempts left, due after retry_after s) or failed, the dead letter."""
    with write_transaction() as session:
        cmd = _get_for_update(session, command_id)
        if cmd.status != "processing":
            raise _wrong_state(command_id, cmd.status, "fail", "processing")
        now = utcnow()
        cmd.error = error
        cmd.lease_expires_at = None
        cmd.updated_at = now
        if retry and cmd.attempts < cmd.max_attempts:
            cmd.status = "pending"
            cmd.available_at = now + timedelta(seconds=retry_after)
        else:
            cmd.status = "failed"
            cmd.failed_at = now
        body = {"command_id": cmd.id, "status": cmd.status, "error": cmd.error,
                "failed_at": format_utc(cmd.failed_at), "attempts": cmd.attempts}
        if cmd.status == "pending":
            body["available_at"] = format_utc(cmd.available_at)
    return body


def retry_command(command_id: int) -> Command:
    """failed → pending, due now, with its attempts reset (a person decided to try again)."""
    with write_transaction() as session:
        cmd = _get_for_update(session, command_id)
        if cmd.status != "failed":
            raise _wrong_state(command_id, cmd.status, "retry", "failed")
        now = utcnow()
        cmd.status, cmd.attempts, cmd.available_at, cmd.updated_at = "pending", 0, now, now
        cmd.failed_at = cmd.lease_expires_at = cmd.error = None
    return cmd


def cancel_command(command_id: int, reason: str = "cancelled by a user") -> Command:
    """pending → cancelled; a delivered command cannot be called back."""
    with write_transaction() as session:
        cmd = _get_for_update(session, command_id)
        if cmd.status != "pending":
            raise _wrong_state(command_id, cmd.status, "cancel", "pending")
        cmd.status, cmd.error, cmd.updated_at = "cancelled", reason, utcnow()
    return cmd


def get_command(command_id: int) -> Command:
    return _require_found(db.session.get(Command, command_id), command_id)


def list_commands(status: str | None, system_id: str | None, page: int, page_size: int
                  ) -> tuple[list[Command], int]:
    """One page of commands, newest first, with the total matching count; claims nothing."""
    if status is not None and status not in COMMAND_STATUSES:
        raise InvalidInputError("status", f"must be one of {', '.join(COMMAND_STATUSES)}")
    query = select(Command)
    if status:
        query = query.where(Command.status == status)
    if system_id:
        query = query.where(Command.system_id == system_id)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    items = db.session.execute(
        query.order_by(Command.id.desc()).offset((page - 1) * page_size).limit(page_size)
    ).scalars().all()
    return list(items), total


def status_counts(system_id: str | None = None) -> dict[str, int]:
    """How many commands are in each status (every status present, zeros included)."""
    query = select(Command.status, func.count()).group_by(Command.status)
    if system_id:
        query = query.where(Command.system_id == system_id)
    counts = dict.fromkeys(COMMAND_STATUSES, 0)
    counts.update({status: count for status, count in db.session.execute(query).all()})
    return counts


def command_json(cmd: Command) -> dict[str, Any]:
    """A command as the API and dashboard show it: the contract's fields plus state and source details."""
    return {
        "id": cmd.id, "system_id": cmd.system_id, "command": cmd.command, "parameters": cmd.parameters,
        "status": cmd.status, "attempts": cmd.attempts, "max_attempts": cmd.max_attempts,
        "created_at": format_utc(cmd.created_at), "updated_at": format_utc(cmd.updated_at),
        "available_at": format_utc(cmd.available_at), "processed_at": format_utc(cmd.processed_at),
        "lease_expires_at": format_utc(cmd.lease_expires_at), "completed_at": format_utc(cmd.completed_at),
        "failed_at": format_utc(cmd.failed_at), "result": cmd.result, "error": cmd.error,
        "source": {"calendar_id": cmd.calendar_id, "external_id": cmd.external_id,
                   "event_title": cmd.event_title},
    }


def _get_for_update(session: Any, command_id: int) -> Command:
    # populate_existing: the identity map may hold a copy read before this write transaction began.
    cmd = session.execute(select(Command).where(Command.id == command_id)
                          .execution_options(populate_existing=True)).scalar_one_or_none()
    return _require_found(cmd, command_id)


def _require_found(value: Any, command_id: int) -> Any:
    if value is None:
        raise NotFoundError(f"No command with id {command_id}.")
    return value


def _wrong_state(command_id: int, status: str, action: str, allowed: str) -> ConflictError:
    return ConflictError(
        f"Command {command_id} is {status}; '{action}' needs a {allowed} command.",
        code="invalid_state", details={"command_id": command_id, "status": status, "allowed": [allowed]},
    )
