"""The Sync page lists each push channel: calendar, state, expiry (relative and exact) and notices received."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.db import write_transaction
from app.models import PushChannel
from app.services import push_channels, push_overview
from app.timeutil import utcnow
from tests.conftest import log_in


def test_the_sync_page_shows_each_channel_with_its_expiry(push_app):
    push_channels.maintain_channels()
    with write_transaction() as session:  # team's channel is due for renewal
        session.execute(
            update(PushChannel)
            .where(PushChannel.calendar_id == "team")
            .values(created_at=utcnow() - timedelta(days=7), expires_at=utcnow() + timedelta(minutes=30, seconds=5))
        )
    client = push_app.test_client()
    log_in(client)

    html = client.get("/sync").text

    section = html[html.index('id="push-channels"') :]
    rows = section[: section.index("</table>")].split("<tr>")[2:]
    assert len(rows) == 2
    primary, team = rows
    assert "primary" in primary and ">active<" in primary and "in 6 days" in primary
    assert "team" in team and ">renewing<" in team and "in 30 minutes" in team
    assert client.get("/sync", headers={"HX-Request": "true"}).text.count('id="push-channels"') == 1


def test_without_channels_the_page_says_how_to_turn_push_on(app, dashboard):
    html = dashboard.get("/sync").text
    assert "No push channel is open" in html and "calendar.google.push_url" in html


def test_relative_expiry_words():
    now = utcnow()
    assert push_overview._until(now + timedelta(days=6, hours=23), now) == "in 6 days"
    assert push_overview._until(now + timedelta(hours=1, minutes=5), now) == "in 1 hour"
    assert push_overview._until(now + timedelta(seconds=40), now) == "in 40 seconds"
    assert push_overview._until(now - timedelta(minutes=2), now) == "ended 2 minutes ago"
