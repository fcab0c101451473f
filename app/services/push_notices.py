"""Push notices from a calendar provider: checked against the stored channel, then a sync of the calendar is
queued for the daemon (one queued request per calendar is enough, however many notices arrive)."""

from __future__ import annotations

import hmac
import logging
from typing import Literal

from sqlalchemy import or_, select, update

from app.db import write_transaction
from app.errors import NotFoundError
from app.extensions import db
from app.models import PushChannel, SyncJob
from app.services import push_lock
from app.timeutil import utcnow

log = logging.getLogger("chronos.push")

# Sent once when a channel is opened: a handshake that reports no change.
HANDSHAKE = "sync"
REQUESTED_BY = "push"
# Compared against when the channel is unknown, so that an unknown id costs the same as a wrong token.
_NO_TOKEN = b"\0" * 43

Outcome = Literal["handshake", "queued", "already_queued"]


class UnknownChannelError(NotFoundError):
    """No channel with this id, or not this token: one answer for both, so neither can be guessed apart."""

    code = "unknown_channel"

    def __init__(self) -> None:
        super().__init__("No push channel with this id and token.")


def accept_notice(channel_id: str, token: str, resource_state: str) -> Outcome:
    """Check the channel and its token (constant time); queue a sync of its calendar unless this is the handshake."""
    channel = _channel(channel_id)
    expected = channel.token.encode() if channel is not None else _NO_TOKEN
    if not hmac.compare_digest(expected, token.encode()) or channel is None:
        raise UnknownChannelError()
    calendar_id = channel.calendar_id
    with write_transaction() as session:
        session.execute(
            update(PushChannel)
            .where(PushChannel.id == channel.id)
            .values(messages=PushChannel.messages + 1, last_message_at=utcnow())
        )
    if resource_state == HANDSHAKE:
        return "handshake"
    return "queued" if queue_sync(calendar_id) else "already_queued"


def _channel(channel_id: str) -> PushChannel | None:
    if not channel_id or len(channel_id) > 64:
        return None
    db.session.rollback()  # a fresh snapshot: the daemon opens channels
    return db.session.get(PushChannel, channel_id)


def queue_sync(calendar_id: str) -> bool:
    """Queue a sync of the calendar unless one (of it, or of every calendar) is queued and not yet started.
    Whether a request was added."""
    with write_transaction() as session:
        push_lock.serialize(session, "push-sync", calendar_id)
        waiting = session.execute(
            select(SyncJob.id)
            .where(
                SyncJob.status == "queued",
                or_(SyncJob.calendar_id == calendar_id, SyncJob.calendar_id.is_(None)),
            )
            .limit(1)
        ).first()
        if waiting is not None:
            return False
        session.add(
            SyncJob(
                status="queued",
                days_ahead=7,
                force_refresh=False,
                calendar_id=calendar_id,
                requested_by=REQUESTED_BY,
                requested_at=utcnow(),
            )
        )
    return True
