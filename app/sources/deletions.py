"""The record of events we deleted or took over, so read-only and local sources leave them out from then on."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import UpstreamDeletion


def remember_deletion(
    session: Session, calendar_id: str, source: str, external_id: str, reason: str = "deleted"
) -> None:
    """Record the deletion once (inside the caller's write transaction)."""
    known = session.execute(
        select(UpstreamDeletion.id).where(
            UpstreamDeletion.calendar_id == calendar_id, UpstreamDeletion.external_id == external_id
        )
    ).first()
    if known is None:
        session.add(UpstreamDeletion(calendar_id=calendar_id, source=source, external_id=external_id, reason=reason))
