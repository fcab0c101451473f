"""Push channels for the synced calendars of sources that can push: opened, renewed before they expire, and
stopped when their calendar is no longer synced (the daemon's job; every daemon may run it).

Each step on a channel is claimed first in a short transaction (app.services.push_lock), so several daemons
never open two channels for one calendar nor stop one twice. Renewal opens the new channel before the old one
is stopped, so no change goes unnoticed in between; polling stays the fallback whatever happens here.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from app.config import current_settings
from app.db import write_transaction
from app.extensions import db
from app.models import PushChannel
from app.services import push_lock
from app.sources import registry
from app.sources.base import CalendarSource, ChannelRequest, OpenedChannel, SourceError, capabilities_of
from app.timeutil import utcnow

log = logging.getLogger("chronos.push")

# A channel is renewed once less than this (or half its lifetime, when that is shorter) is left.
RENEW_BEFORE = timedelta(hours=1)
# An opening or stopping claim older than this was left by a daemon that died; the step is taken again.
CLAIM_TIMEOUT = timedelta(minutes=5)
# After the provider refused a channel, the next attempt waits this long.
RETRY_FAILED_AFTER = timedelta(minutes=5)
LOCK_PURPOSE = "push-channels"


@dataclass(frozen=True)
class Target:
    """A calendar that should have a channel: its account, the source that opens it and the notice address."""

    account: str
    calendar_id: str
    address: str
    source: CalendarSource


def maintain_channels() -> bool:
    """Daemon job: open or renew a channel per pushing calendar, stop the unused ones. Whether it did anything."""
    targets, sources, unreachable = _targets()
    did = False
    for target in targets.values():
        did = keep_open(target, sources) or did
    did = stop_unused(targets, sources, unreachable) or did
    return did


def _targets() -> tuple[dict[str, Target], dict[str, CalendarSource], set[str]]:
    """(calendar id -> Target, account -> its pushing source, accounts whose source cannot be built now)."""
    settings = current_settings()
    targets: dict[str, Target] = {}
    sources: dict[str, CalendarSource] = {}
    unreachable: set[str] = set()
    for unit in registry.build_sources(settings):
        address = registry.push_address(settings, unit.account)
        if unit.source is None:
            unreachable.add(unit.account.name)
            continue
        if not capabilities_of(unit.source).push:
            continue
        sources[unit.account.name] = unit.source
        if not address:
            continue
        try:
            calendars = unit.source.calendars()
        except SourceError as exc:
            log.warning("push channels of account %s: %s", unit.account.name, exc)
            unreachable.add(unit.account.name)
            continue
        for calendar_id in calendars:
            targets.setdefault(calendar_id, Target(unit.account.name, calendar_id, address, unit.source))
    return targets, sources, unreachable


def renewal_due(channel: PushChannel, now: datetime) -> bool:
    """Whether an active channel should be replaced now (it ends within RENEW_BEFORE or half its lifetime)."""
    if channel.expires_at is None:
        return False
    margin = min(RENEW_BEFORE, (channel.expires_at - channel.created_at) / 2)
    return now >= channel.expires_at - margin


def _serves(channel: PushChannel, target: Target) -> bool:
    return channel.account == target.account and channel.address == target.address


def keep_open(target: Target, sources: dict[str, CalendarSource]) -> bool:
    """Open a channel for the calendar unless a current one exists (or another daemon is opening one); after
    opening, stop the channels it replaces."""
    claimed = _claim_opening(target, utcnow())
    if claimed is None:
        return False
    request = ChannelRequest(*claimed, target.address)
    try:
        opened = target.source.watch(target.calendar_id, request)  # type: ignore[attr-defined]
    except SourceError as exc:
        log.warning("could not open a push channel for calendar %s: %s", target.calendar_id, exc)
        _mark_failed(request.id, str(exc))
        return True
    _mark_active(request.id, opened)
    log.info("push channel %s opened for calendar %s (until %s)", request.id, target.calendar_id, opened.expires_at)
    for channel in _claim_stops(target.calendar_id, keep=request.id):
        stop_channel(channel, sources.get(channel.account))
    return True


def _claim_opening(target: Target, now: datetime) -> tuple[str, str] | None:
    """The new channel's id and token (its row is stored as opening), or None when a current channel exists,
    another daemon is opening one, or the last attempt failed too recently."""
    with write_transaction() as session:
        push_lock.serialize(session, LOCK_PURPOSE, target.calendar_id)
        query = select(PushChannel).where(PushChannel.calendar_id == target.calendar_id)
        rows = list(session.execute(query).scalars())
        for row in rows:
            if row.state == "active" and _serves(row, target) and not renewal_due(row, now):
                return None
            recent = row.changed_at > now - (RETRY_FAILED_AFTER if row.state == "failed" else CLAIM_TIMEOUT)
            if row.state in ("opening", "failed") and recent and _serves(row, target):
                return None
        stale = [row.id for row in rows if row.state in ("opening", "failed")]
        if stale:  # an opening left by a dead daemon has no resource id to stop it with: it simply expires
            session.execute(delete(PushChannel).where(PushChannel.id.in_(stale)))
        channel_id, token = str(uuid.uuid4()), secrets.token_urlsafe(32)
        channel = PushChannel(
            id=channel_id,
            token=token,
            calendar_id=target.calendar_id,
            account=target.account,
            address=target.address,
            state="opening",
            created_at=now,
            changed_at=now,
            messages=0,
        )
        session.add(channel)
    return channel_id, token


def _mark_active(channel_id: str, opened: OpenedChannel) -> None:
    now = utcnow()
    with write_transaction() as session:
        session.execute(
            update(PushChannel)
            .where(PushChannel.id == channel_id)
            .values(
                state="active",
                resource_id=opened.resource_id,
                expires_at=opened.expires_at,
                created_at=now,
                changed_at=now,
                last_error=None,
            )
        )


def _mark_failed(channel_id: str, error: str) -> None:
    with write_transaction() as session:
        session.execute(
            update(PushChannel)
            .where(PushChannel.id == channel_id)
            .values(state="failed", changed_at=utcnow(), last_error=error[:1000])
        )


def _claim_stops(calendar_id: str, keep: str) -> list[PushChannel]:
    """Claim the calendar's other active channels for stopping (each claimed by one daemon only)."""
    with write_transaction() as session:
        push_lock.serialize(session, LOCK_PURPOSE, calendar_id)
        return _claim(
            session,
            select(PushChannel.id).where(
                PushChannel.calendar_id == calendar_id, PushChannel.id != keep, PushChannel.state == "active"
            ),
        )


def _claim(session, chosen) -> list[PushChannel]:
    """Move the chosen channels to stopping; the ones this caller moved."""
    ids = list(session.execute(chosen).scalars())
    if not ids:
        return []
    rows = session.execute(
        update(PushChannel)
        .where(PushChannel.id.in_(ids))
        .values(state="stopping", changed_at=utcnow())
        .returning(PushChannel.id, PushChannel.calendar_id, PushChannel.account, PushChannel.resource_id)
    ).all()
    return [PushChannel(id=r.id, calendar_id=r.calendar_id, account=r.account, resource_id=r.resource_id) for r in rows]


def stop_channel(channel: PushChannel, source: CalendarSource | None) -> None:
    """Ask the provider to stop the channel, then forget it; a failed stop is tried again later."""
    if source is not None and channel.resource_id:
        try:
            source.stop_channel(channel.id, channel.resource_id)  # type: ignore[attr-defined]
        except SourceError as exc:
            log.warning("could not stop push channel %s of calendar %s: %s", channel.id, channel.calendar_id, exc)
            with write_transaction() as session:
                session.execute(
                    update(PushChannel).where(PushChannel.id == channel.id).values(last_error=str(exc)[:1000])
                )
            return
    with write_transaction() as session:
        session.execute(delete(PushChannel).where(PushChannel.id == channel.id))
    log.info("push channel %s of calendar %s stopped", channel.id, channel.calendar_id)


def stop_unused(targets: dict[str, Target], sources: dict[str, CalendarSource], unreachable: set[str]) -> bool:
    """Stop channels no calendar wants any more (removed, other account or address, push switched off), retry
    stops that failed or were left by a dead daemon, and forget channels that have ended by themselves."""
    now = utcnow()
    rows = [
        _Seen(row.id, row.calendar_id, row.account, row.address, row.state, row.changed_at, row.expires_at)
        for row in db.session.execute(select(PushChannel)).scalars()
    ]
    db.session.commit()  # ends the read snapshot: the claims below decide on current rows
    ended = [row.id for row in rows if row.expires_at is not None and row.expires_at <= now]
    unwanted = []
    for row in rows:
        if row.id in ended or row.account in unreachable:
            continue  # an account that cannot be reached now keeps its channels until they end
        target = targets.get(row.calendar_id)
        wanted = target is not None and row.account == target.account and row.address == target.address
        stale = row.changed_at <= now - CLAIM_TIMEOUT
        if (row.state == "active" and not wanted) or (row.state == "stopping" and stale):
            unwanted.append(row)
        elif not wanted and (row.state == "failed" or (row.state == "opening" and stale)):
            ended.append(row.id)  # a failed attempt has nothing to stop; an opening may still be under way
    if ended:
        with write_transaction() as session:
            session.execute(delete(PushChannel).where(PushChannel.id.in_(ended)))
    for row in unwanted:
        with write_transaction() as session:
            push_lock.serialize(session, LOCK_PURPOSE, row.calendar_id)
            seen = (PushChannel.id == row.id, PushChannel.state == row.state, PushChannel.changed_at == row.changed_at)
            claimed = _claim(session, select(PushChannel.id).where(*seen))
        for channel in claimed:
            stop_channel(channel, sources.get(channel.account))
    return bool(ended or unwanted)


@dataclass(frozen=True)
class _Seen:
    """A channel as read before deciding (plain values: the session's objects expire at commit)."""

    id: str
    calendar_id: str
    account: str
    address: str
    state: str
    changed_at: datetime
    expires_at: datetime | None
