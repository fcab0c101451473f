"""The audit log: who changed what through the API, the dashboard or the command line."""

from __future__ import annotations

from sqlalchemy import func, select

from app.db import write_transaction
from app.extensions import db
from app.models import AuditEntry


def record(key_name: str, channel: str, action: str, target_type: str, target_id: str | None) -> None:
    """Append one entry."""
    with write_transaction() as session:
        session.add(
            AuditEntry(
                key_name=key_name[:100],
                channel=channel,
                action=action[:64],
                target_type=target_type[:32],
                target_id=target_id[:64] if target_id else None,
            )
        )


def list_entries(
    page: int,
    page_size: int,
    key_name: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
) -> tuple[list[AuditEntry], int]:
    """One page of entries, newest first, and how many there are; optionally only one key's, or one target's."""
    conditions = [
        column == value
        for column, value in (
            (AuditEntry.key_name, key_name),
            (AuditEntry.target_type, target_type),
            (AuditEntry.target_id, target_id),
        )
        if value is not None
    ]
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    rows = db.session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return list(rows), total
