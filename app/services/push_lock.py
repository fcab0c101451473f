"""Decisions about one calendar's push channels, one at a time across every process.

A decision (open a channel? claim one to stop?) is one short write transaction: SQLite's IMMEDIATE transaction
already admits one writer at a time; on PostgreSQL the transaction first takes an advisory lock keyed by the
calendar, released at commit. Calls to the provider happen outside these transactions.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def advisory_key(purpose: str, calendar_id: str) -> int:
    """A stable signed 64-bit key for one purpose and calendar (advisory locks are keyed by bigint)."""
    digest = hashlib.sha256(f"chronos.{purpose}:{calendar_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def serialize(session: Session, purpose: str, calendar_id: str) -> None:
    """Inside a write transaction: wait for any other transaction deciding the same thing (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(purpose, calendar_id)})
