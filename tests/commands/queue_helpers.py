"""Shared helpers of the command queue tests: seeding commands and moving the clock of a lease."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from app.db import write_transaction
from app.models import Command
from app.services.commands import create_command
from app.timeutil import utcnow


def seed(count: int, system_id: str = "hub", prefix: str = "seed", **extra) -> list[int]:
    """Create ``count`` commands for one system in one transaction; their ids, oldest first."""
    ids = []
    with write_transaction():
        for number in range(count):
            cmd, created = create_command(
                system_id=system_id,
                command="NOTIFY",
                parameters={"n": number},
                source_key=f"{prefix}:{system_id}:{number}",
                **extra,
            )
            assert created
            ids.append(cmd.id)
    return ids


def expire_leases(*ids: int, when: datetime | None = None) -> None:
    """Pretend the leases of these commands ran out (faster than sleeping through a real lease)."""
    when = when or utcnow() - timedelta(seconds=1)
    with write_transaction() as session:
        session.execute(update(Command).where(Command.id.in_(ids)).values(lease_expires_at=when))


def make_due(*ids: int) -> None:
    """Pretend a retry delay has passed."""
    with write_transaction() as session:
        session.execute(update(Command).where(Command.id.in_(ids)).values(available_at=utcnow() - timedelta(seconds=1)))


def fetch(command_id: int) -> Command:
    from app.extensions import db

    db.session.rollback()  # end any read snapshot, so that other processes' writes are seen
    return db.session.get(Command, command_id)
