"""Emission, planning, firing and delivery in one process: the daemon's steps called one at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.api.event_schemas import EventOut
from app.extensions import db
from app.models import Command, Event, WebhookDelivery, WebhookFiring
from app.services import commands, events, webhook_delivery, webhook_events, webhook_firings, webhooks
from app.services.sync import run_sync
from app.sources.base import ChangePage, SourceEvent
from app.timeutil import utcnow

SOON = timedelta(hours=2)


def deliver_all(rounds: int = 10, batch: int = 50) -> list[str]:
    """What the daemon's senders do: claim, send, record; the statuses recorded."""
    statuses = []
    for _ in range(rounds):
        claimed = webhook_delivery.claim_due(batch)
        if not claimed:
            break
        statuses += [webhook_delivery.record(item, webhook_delivery.send(item)) for item in claimed]
    return statuses


def deliveries(kind: str | None = None) -> list[WebhookDelivery]:
    db.session.rollback()
    query = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if kind:
        query = query.where(WebhookDelivery.type == kind)
    return list(db.session.execute(query).scalars())


def at(delta: timedelta) -> str:
    return (utcnow() + delta).replace(microsecond=0).isoformat()


def test_api_changes_arrive_signed_in_order(app, receiver):
    hook = webhooks.create_webhook(receiver.url, ["event.created", "event.updated", "event.deleted"])
    event, _ = events.create_event({"title": "Plan", "start_time": at(SOON)})
    events.update_event(event.id, {"title": "Plan B"}, partial=True)
    events.delete_event(event.id)
    assert deliver_all() == ["delivered"] * 3
    bodies = [request.verified(hook.secret) for request in receiver.requests]
    assert [(b["type"], b["data"]["event"]["title"]) for b in bodies] == [
        ("event.created", "Plan"),
        ("event.updated", "Plan B"),
        ("event.deleted", "Plan B"),
    ]
    ids = {request.headers["webhook-id"] for request in receiver.requests}
    assert len(ids) == 3 and all(i.startswith("msg_") for i in ids)


def test_the_event_in_a_body_is_the_api_event_json(app):
    event, _ = events.create_event({"title": "Same", "start_time": at(SOON), "tags": ["x"], "attendees": ["a@b.c"]})
    assert webhook_events.event_json(event) == EventOut.model_validate(event).model_dump(mode="json")


def test_calendar_filter_and_disabled_webhooks(app):
    webhooks.create_webhook("http://127.0.0.1:9/a", ["event.created"], calendars=["work"])
    off = webhooks.create_webhook("http://127.0.0.1:9/b", ["event.created"]).row
    webhooks.set_enabled(off.id, False)
    events.create_event({"title": "Home", "start_time": at(SOON), "calendar_id": "home"})
    events.create_event({"title": "Work", "start_time": at(SOON), "calendar_id": "work"})
    assert [d.payload["data"]["event"]["title"] for d in deliveries()] == ["Work"]


def test_retries_keep_the_webhook_id_then_deliver(make_app, receiver):
    app = make_app({"webhooks": {"retry_base_seconds": 0.05}})
    with app.app_context():
        webhooks.create_webhook(receiver.url, ["event.created"])
        receiver.fail_next(2)
        events.create_event({"title": "Flaky", "start_time": at(SOON)})
        first = webhook_delivery.claim_due(10)
        assert webhook_delivery.record(first[0], webhook_delivery.send(first[0])) == "pending"
        row = deliveries()[0]
        assert (row.attempts, row.last_status_code, row.last_error) == (1, 500, "HTTP 500")
        assert webhook_delivery.claim_due(10) == []  # not due before its backoff
        statuses: list[str] = []
        while not statuses or statuses[-1] == "pending":
            receiver.wait_for(lambda got: True, 1)
            claimed = webhook_delivery.claim_due(10, now=utcnow() + timedelta(seconds=1))
            statuses += [webhook_delivery.record(item, webhook_delivery.send(item)) for item in claimed]
        assert statuses == ["pending", "delivered"]
        assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
        assert len(receiver.requests) == 3
        assert (deliveries()[0].status, deliveries()[0].attempts) == ("delivered", 3)


def test_failed_deliveries_disable_the_webhook_with_a_reason(make_app, receiver):
    app = make_app({"webhooks": {"max_attempts": 1, "disable_after_failures": 2}})
    with app.app_context():
        hook = webhooks.create_webhook(receiver.url, ["event.created", "event.starting"]).row
        receiver.fail_next(2)
        for n in range(3):
            events.create_event({"title": f"E{n}", "start_time": at(SOON)})
        assert deliver_all(batch=1) == ["failed", "failed"]  # the third is not sent once disabled
        db.session.rollback()
        row = webhooks.get_webhook(hook.id)
        assert (row.enabled, row.consecutive_failures) == (False, 2)
        assert row.disabled_reason == "disabled after 2 failed deliveries in a row"
        assert firings() == []
        webhooks.set_enabled(hook.id, True)
        assert deliver_all() == ["delivered"]
        assert len(firings()) == 3


def test_an_unreachable_receiver_is_a_failed_attempt(make_app):
    app = make_app({"webhooks": {"max_attempts": 1}})
    with app.app_context():
        webhooks.create_webhook("http://127.0.0.1:9/closed", ["event.created"])
        events.create_event({"title": "Nobody listens", "start_time": at(SOON)})
        assert deliver_all() == ["failed"]
        assert deliveries()[0].last_status_code is None and "ConnectionError" in deliveries()[0].last_error


def firings() -> list[tuple[int, str, datetime]]:
    """The planned (unfired) firings."""
    db.session.rollback()
    query = select(WebhookFiring).where(WebhookFiring.fired_at.is_(None))
    rows = db.session.execute(query.order_by(WebhookFiring.event_id, WebhookFiring.type)).scalars()
    return [(row.event_id, row.type, row.due_at) for row in rows]


def test_firings_follow_moves_cancellations_and_deletes(app):
    start = (utcnow() + SOON).replace(microsecond=0)
    event, _ = events.create_event({"title": "Meet", "start_time": start.isoformat()})
    hook = webhooks.create_webhook("http://127.0.0.1:9/", ["event.starting", "event.ended"], offset_minutes=10)
    end = start + timedelta(hours=1)
    assert firings() == [(event.id, "event.ended", end), (event.id, "event.starting", start - timedelta(minutes=10))]
    moved = start + timedelta(hours=3)
    events.update_event(
        event.id, {"start_time": moved.isoformat(), "end_time": (moved + SOON).isoformat()}, partial=True
    )
    assert [due for _id, _type, due in firings()] == [moved + SOON, moved - timedelta(minutes=10)]
    events.update_event(event.id, {"status": "cancelled"}, partial=True)
    assert firings() == []
    events.update_event(event.id, {"status": "scheduled"}, partial=True)
    assert len(firings()) == 2
    events.delete_event(event.id)
    assert firings() == []
    assert hook.row.id


def test_each_firing_fires_once_with_its_delivery(app):
    start = (utcnow() + SOON).replace(microsecond=0)
    event, _ = events.create_event({"title": "Once", "start_time": start.isoformat()})
    webhooks.create_webhook("http://127.0.0.1:9/", ["event.starting"])
    assert webhook_firings.fire_due() == 0
    assert webhook_firings.seconds_until_due(cap=1.0) == 1.0
    assert webhook_firings.fire_due(now=start) == 1
    assert webhook_firings.fire_due(now=start + SOON) == 0
    (delivery,) = deliveries("event.starting")
    assert delivery.payload["data"]["event"]["id"] == event.id
    events.update_event(event.id, {"title": "Once, renamed"}, partial=True)  # same time: not planned again
    assert firings() == []
    assert webhook_firings.fire_due(now=start + SOON) == 0
    later = start + timedelta(days=1)
    events.update_event(
        event.id, {"start_time": later.isoformat(), "end_time": (later + SOON).isoformat()}, partial=True
    )
    assert firings() == [(event.id, "event.starting", later)]  # moved ahead: it fires again, at its new time
    assert webhook_firings.prune_fired(now=later + SOON) == 0
    assert webhook_firings.fire_due(now=later) == 1
    assert webhook_firings.prune_fired(now=later + timedelta(days=2)) == 1


def test_past_events_plan_nothing(app):
    webhooks.create_webhook("http://127.0.0.1:9/", ["event.starting", "event.ended"])
    events.create_event({"title": "Yesterday", "start_time": at(-timedelta(days=1))})
    assert firings() == []


class ListSource:
    """A calendar source serving whatever `items` holds, as full listings."""

    name = "ics"
    lists_window_end = True

    def __init__(self) -> None:
        self.items: list[SourceEvent] = []

    def calendars(self) -> list[str]:
        return ["feed"]

    def list_changes(self, calendar_id, sync_token, window):
        for item in self.items:
            item.updated = item.fingerprint()
        yield ChangePage(events=list(self.items), full=True, last=True)

    def delete_event(self, calendar_id, external_id):
        raise NotImplementedError


def synced(source: ListSource, external_id: str, title: str, start: datetime, cancelled: bool = False) -> SourceEvent:
    return SourceEvent(
        external_id=external_id,
        calendar_id="feed",
        title=title,
        start_time=start,
        end_time=start + timedelta(hours=1),
        cancelled=cancelled,
    )


def test_synced_creates_updates_and_deletes_are_emitted_and_planned(app):
    kinds = ["event.created", "event.updated", "event.deleted", "event.starting"]
    webhooks.create_webhook("http://127.0.0.1:9/", kinds)
    source = ListSource()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    source.items = [synced(source, "a", "A", start), synced(source, "b", "B", start)]
    assert "error" not in run_sync(days_ahead=7, source=source)
    source.items = [synced(source, "a", "A moved", start + SOON)]  # b gone from the listing
    assert "error" not in run_sync(days_ahead=7, source=source)
    source.items = [synced(source, "a", "A", start, cancelled=True)]
    run_sync(days_ahead=7, source=source)
    got = [(d.type, d.payload["data"]["event"]["title"]) for d in deliveries() if d.type != "event.starting"]
    assert sorted(got) == sorted(
        [
            ("event.created", "A"),
            ("event.created", "B"),
            ("event.updated", "A moved"),
            ("event.deleted", "B"),
            ("event.deleted", "A moved"),
        ]
    )
    assert firings() == []


def test_dead_letters_are_announced_once(make_app, receiver):
    app = make_app({"commands": {"max_attempts": 1, "lease_seconds": 1}})
    with app.app_context():
        hook = webhooks.create_webhook(receiver.url, ["command.failed"])
        first, _ = commands.create_command(system_id="nas", command="BACKUP", parameters={}, source_key="a")
        commands.create_command(system_id="nas", command="REBOOT", parameters={}, source_key="b")
        commands.claim_commands("nas", 1)
        commands.fail_command(first.id, "disk full")
        commands.claim_commands("nas", 1)
        commands.reap_expired_leases(utcnow() + timedelta(seconds=5))  # the second's lease ran out, no attempts left
        assert webhook_events.announce_dead_letters() == 2
        assert webhook_events.announce_dead_letters() == 0
        assert deliver_all() == ["delivered", "delivered"]
        bodies = receiver.of_type("command.failed", hook.secret)
        assert sorted((b["data"]["command"]["command"], b["data"]["command"]["error"]) for b in bodies) == [
            ("BACKUP", "disk full"),
            ("REBOOT", "lease expired"),
        ]
        commands.retry_command(first.id)  # failing again is announced again
        commands.claim_commands("nas", 1)
        commands.fail_command(first.id, "still full")
        assert webhook_events.announce_dead_letters() == 1


@pytest.mark.parametrize("offset", [0, 15])
def test_commands_held_until_their_event_use_the_same_due_time(make_app, offset):
    app = make_app({"command_handler": {"deliver_at_event_start": True, "deliver_offset_minutes": offset}})
    with app.app_context():
        start = (utcnow() + SOON).replace(microsecond=0)
        events.create_event({"title": "ACTION: REBOOT hub", "start_time": start.isoformat()})
        command = db.session.execute(select(Command)).scalar_one()
        assert command.available_at == start - timedelta(minutes=offset)
        assert db.session.execute(select(func.count()).select_from(Event)).scalar_one() == 0


def test_cancelling_an_event_is_announced_as_deleted(app):
    event, _ = events.create_event({"title": "Called off", "start_time": at(SOON)})
    webhooks.create_webhook("http://127.0.0.1:9/", ["event.updated", "event.deleted"])
    events.update_event(event.id, {"title": "Called off (moved)"}, partial=True)
    events.update_event(event.id, {"status": "cancelled"}, partial=True)
    events.update_event(event.id, {"description": "still cancelled"}, partial=True)
    assert [row.type for row in deliveries()] == ["event.updated", "event.deleted", "event.updated"]
