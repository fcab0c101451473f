"""The daemon's push channel job against the fake Google: opened once per calendar, renewed before expiry (new
one first, then the old stopped), stopped when a calendar or push goes away, and refused watches retried later."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.config import current_settings
from app.db import write_transaction
from app.extensions import db
from app.models import PushChannel
from app.services import push_channels
from app.settings import ConfigError
from app.timeutil import utcnow
from tests.push.conftest import PUSH_BASE
from tests.support import google_account

ADDRESS = f"{PUSH_BASE}/api/v1/google/notifications"


def channels() -> dict[str, PushChannel]:
    db.session.rollback()
    return {row.calendar_id: row for row in db.session.execute(select(PushChannel)).scalars()}


def test_one_channel_per_calendar_is_opened_with_a_random_id_and_token(push_app, fake_google):
    assert push_channels.maintain_channels() is True

    stored = channels()
    assert set(stored) == {"primary", "team"}
    live = fake_google.live_channels()
    assert set(live) == {row.id for row in stored.values()}
    for calendar_id, row in stored.items():
        upstream = live[row.id]
        assert upstream["calendar"] == calendar_id and upstream["address"] == ADDRESS
        assert upstream["token"] == row.token and len(row.token) >= 32
        assert row.state == "active" and row.resource_id == upstream["resource_id"]
        assert abs(row.expires_at.timestamp() * 1000 - upstream["expiration"]) < 1000
    assert stored["primary"].token != stored["team"].token
    watch = fake_google.calls("watch")
    assert len(watch) == 2

    assert push_channels.maintain_channels() is False  # current channels: nothing to do
    assert len(fake_google.calls("watch")) == 2


def test_a_channel_due_for_renewal_is_replaced_then_stopped(push_app, fake_google):
    push_channels.maintain_channels()
    old = channels()["primary"].id
    with write_transaction() as session:  # the channel ends in 20 minutes: inside the renewal margin
        session.execute(
            update(PushChannel)
            .where(PushChannel.id == old)
            .values(created_at=utcnow() - timedelta(days=6), expires_at=utcnow() + timedelta(minutes=20))
        )

    push_channels.maintain_channels()

    new = channels()["primary"]
    assert new.id != old and new.state == "active"
    assert [stopped["id"] for stopped in fake_google.stopped_channels] == [old]
    assert set(fake_google.live_channels("primary")) == {new.id}
    assert db.session.get(PushChannel, old) is None
    assert len(fake_google.calls("watch")) == 3  # primary twice, team once


def test_renewal_waits_for_half_of_a_short_lifetime():
    now = utcnow()
    short = PushChannel(created_at=now, expires_at=now + timedelta(seconds=60))
    assert not push_channels.renewal_due(short, now + timedelta(seconds=29))
    assert push_channels.renewal_due(short, now + timedelta(seconds=30))
    week = PushChannel(created_at=now, expires_at=now + timedelta(days=7))
    assert not push_channels.renewal_due(week, now + timedelta(days=6, hours=22))
    assert push_channels.renewal_due(week, now + timedelta(days=6, hours=23))


def test_channels_of_a_removed_calendar_are_stopped(push_app, make_app, google_settings, fake_google):
    push_channels.maintain_channels()
    team = channels()["team"].id

    smaller = make_app(google_settings(["primary"]))
    with smaller.app_context():
        push_channels.maintain_channels()
        assert set(channels()) == {"primary"}
    assert [stopped["id"] for stopped in fake_google.stopped_channels] == [team]
    assert set(fake_google.live_channels()) == {channels()["primary"].id}


def test_switching_push_off_stops_every_channel(push_app, make_app, google_settings, fake_google):
    push_channels.maintain_channels()
    opened = {row.id for row in channels().values()}

    off = make_app(google_settings(["primary", "team"], push_url=""))
    with off.app_context():
        assert push_channels.maintain_channels() is True
        assert channels() == {}
    assert {stopped["id"] for stopped in fake_google.stopped_channels} == opened
    assert fake_google.live_channels() == {}


def test_a_changed_push_url_moves_the_channel(push_app, make_app, google_settings, fake_google):
    push_channels.maintain_channels()
    old = channels()["primary"].id

    moved = make_app(google_settings(["primary", "team"], push_url="https://chronos.example.com/"))
    with moved.app_context():
        push_channels.maintain_channels()
        new = channels()["primary"]
        assert new.id != old and new.address == "https://chronos.example.com/api/v1/google/notifications"
    assert old in {stopped["id"] for stopped in fake_google.stopped_channels}


def test_a_refused_watch_is_recorded_and_retried_only_later(push_app, fake_google):
    fake_google.fail("watch", 400, "push_webhookNotHttps", times=2)

    push_channels.maintain_channels()

    failed = [row for row in channels().values() if row.state == "failed"]
    assert len(failed) == 2 and all("400" in row.last_error for row in failed)
    push_channels.maintain_channels()
    assert len(fake_google.calls("watch")) == 2  # not again at once
    with write_transaction() as session:
        session.execute(update(PushChannel).values(changed_at=utcnow() - push_channels.RETRY_FAILED_AFTER))
    push_channels.maintain_channels()
    assert {row.state for row in channels().values()} == {"active"}
    assert len(fake_google.live_channels()) == 2


def test_a_channel_that_ended_by_itself_is_forgotten_and_reopened(push_app, fake_google):
    push_channels.maintain_channels()
    old = channels()["primary"].id
    with write_transaction() as session:
        session.execute(update(PushChannel).where(PushChannel.id == old).values(expires_at=utcnow()))

    push_channels.maintain_channels()

    assert channels()["primary"].id != old
    assert db.session.get(PushChannel, old) is None


def test_concurrent_runs_open_one_channel_per_calendar(push_app, fake_google):
    app = push_app
    barrier = threading.Barrier(4)

    def run() -> None:
        with app.app_context():
            barrier.wait()
            push_channels.maintain_channels()

    workers = [threading.Thread(target=run) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert len(fake_google.calls("watch")) == 2
    assert len(fake_google.live_channels()) == 2 and len(channels()) == 2


def test_renamed_calendars_of_an_account_are_watched_by_their_remote_id(make_app, fake_google, tmp_path):
    team = {"remote": "team@group.example.com", "id": "team"}
    account = google_account(fake_google, tmp_path, "work", [team], push_url="https://work.example.com")
    application = make_app({"calendar": {"accounts": [account]}})
    with application.app_context():
        push_channels.maintain_channels()
        row = channels()["team"]
        assert row.account == "work" and row.address == "https://work.example.com/api/v1/google/notifications"
        assert fake_google.live_channels()[row.id]["calendar"] == "team@group.example.com"


def test_sources_without_push_get_no_channels(make_app, fake_google):
    application = make_app({"calendar": {"source": "demo", "google": {"push_url": PUSH_BASE}}})
    with application.app_context():
        assert push_channels.maintain_channels() is False
        assert channels() == {}
        assert current_settings().calendar.google.push_url == PUSH_BASE


@pytest.mark.parametrize("value", ["chronos.example.com", "ftp://x.example.com", "https://x.example.com/?a=b"])
def test_push_url_must_be_a_base_url(make_app, value):
    with pytest.raises(ConfigError, match=r"calendar\.google\.push_url"):
        make_app({"calendar": {"google": {"push_url": value}}})


def test_failed_attempts_are_forgotten_when_push_is_switched_off(push_app, make_app, google_settings, fake_google):
    fake_google.fail("watch", 400, "push_webhookNotHttps", times=2)
    push_channels.maintain_channels()
    assert {row.state for row in channels().values()} == {"failed"}

    off = make_app(google_settings(["primary", "team"], push_url=""))
    with off.app_context():
        push_channels.maintain_channels()
        assert channels() == {}
    assert fake_google.calls("channels_stop") == []  # nothing was open, so nothing to stop
