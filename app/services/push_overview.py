"""Push channels as the sync page shows them: state (renewal due, ended) and time left in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import PushChannel
from app.services.push_channels import renewal_due
from app.timeutil import utcnow


@dataclass(frozen=True)
class ChannelView:
    """A channel as the sync page shows it: `state` also says when an active one is due for renewal or ended."""

    channel: PushChannel
    state: str
    expires_in: str


def channel_views() -> list[ChannelView]:
    """Every channel by calendar, with its shown state and how long until it ends (the sync page)."""
    now = utcnow()
    rows = db.session.execute(select(PushChannel).order_by(PushChannel.calendar_id, PushChannel.created_at)).scalars()
    views = []
    for row in rows:
        state = row.state
        if row.expires_at is not None and row.expires_at <= now:
            state = "expired"
        elif state == "active" and renewal_due(row, now):
            state = "renewing"
        views.append(ChannelView(row, state, _until(row.expires_at, now)))
    return views


def _until(moment: datetime | None, now: datetime) -> str:
    """'in 6 days', 'in 3 hours', 'in 12 minutes', 'in 40 seconds' or 'ended 2 minutes ago'."""
    if moment is None:
        return ""
    seconds = (moment - now).total_seconds()
    amount = abs(seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if amount >= size or size == 1:
            count = int(amount // size)
            text = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {text}" if seconds > 0 else f"ended {text} ago"
    return ""
