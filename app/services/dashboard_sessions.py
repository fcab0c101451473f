"""Dashboard sessions kept in the database, so that signing out ends a session wherever its cookie went."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from app.config import current_settings
from app.db import write_transaction
from app.extensions import db
from app.models import ApiKey, DashboardSession
from app.services.api_keys import CONFIG_KEY_NAME, hash_key, is_live_admin_key
from app.timeutil import utcnow


def start_session(key_hash: str, address: str) -> str:
    """Record a sign-in with the key of this hash; returns the session id the cookie carries."""
    session_id = secrets.token_urlsafe(32)
    with write_transaction() as session:
        session.add(DashboardSession(id=session_id, key_hash=key_hash, address=address[:64]))
    return session_id


def is_live(session_id: str | None) -> bool:
    """Whether a session id belongs to a session not ended, whose key may still sign in."""
    if not session_id:
        return False
    row = db.session.execute(
        select(DashboardSession.key_hash).where(DashboardSession.id == session_id, DashboardSession.ended_at.is_(None))
    ).first()
    return row is not None and is_live_admin_key(row.key_hash)


def end_session(session_id: str | None) -> None:
    """End one session (sign out)."""
    if not session_id:
        return
    with write_transaction() as session:
        session.execute(
            update(DashboardSession)
            .where(DashboardSession.id == session_id, DashboardSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_all_sessions() -> None:
    """End every dashboard session (sign out everywhere)."""
    with write_transaction() as session:
        session.execute(update(DashboardSession).where(DashboardSession.ended_at.is_(None)).values(ended_at=utcnow()))


def end_sessions_of_key(key_hash: str) -> None:
    """End the sessions signed in with one key (it was revoked)."""
    with write_transaction() as session:
        session.execute(
            update(DashboardSession)
            .where(DashboardSession.key_hash == key_hash, DashboardSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def key_name(session_id: str | None) -> str | None:
    """The name of the key a live session signed in with (for the audit log), or None."""
    if not session_id:
        return None
    key_hash = db.session.scalar(select(DashboardSession.key_hash).where(DashboardSession.id == session_id))
    if key_hash is None:
        return None
    if key_hash == hash_key(current_settings().api.api_key):
        return CONFIG_KEY_NAME
    return db.session.scalar(select(ApiKey.name).where(ApiKey.key_hash == key_hash)) or "unknown key"
