"""POST /api/v1/google/notifications: public, checks channel id and token, queues one sync per calendar, and
refuses forgeries with one answer (throttled like wrong API keys)."""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.db import write_transaction
from app.extensions import db
from app.models import PushChannel, SyncJob
from app.services import push_channels, sync_jobs

URL = "/api/v1/google/notifications"


def notice(client, channel_id: str, token: str | None, state: str = "exists", **extra: str):
    headers = {"X-Goog-Channel-ID": channel_id, "X-Goog-Resource-State": state, "X-Goog-Message-Number": "7", **extra}
    if token is not None:
        headers["X-Goog-Channel-Token"] = token
    return client.post(URL, headers=headers)


def queued() -> list[tuple[str | None, str]]:
    db.session.rollback()
    rows = db.session.execute(select(SyncJob.calendar_id, SyncJob.requested_by).where(SyncJob.status == "queued"))
    return [tuple(row) for row in rows]


def opened() -> dict[str, PushChannel]:
    push_channels.maintain_channels()
    db.session.rollback()
    return {row.calendar_id: row for row in db.session.execute(select(PushChannel)).scalars()}


def test_a_change_notice_queues_one_sync_of_that_calendar(push_client):
    team = opened()["team"]

    first = notice(push_client, team.id, team.token)
    again = notice(push_client, team.id, team.token, "not_exists")

    assert first.status_code == 200 and first.json == {"status": "queued"}
    assert again.status_code == 200 and again.json == {"status": "already_queued"}
    assert queued() == [("team", "push")]
    row = db.session.get(PushChannel, team.id)
    assert row.messages == 2 and row.last_message_at is not None


def test_once_the_queued_sync_started_a_new_notice_queues_another(push_client):
    primary = opened()["primary"]
    notice(push_client, primary.id, primary.token)
    job = sync_jobs.claim_next_job("test")
    assert job is not None and job.calendar_id == "primary"

    assert notice(push_client, primary.id, primary.token).json == {"status": "queued"}
    assert queued() == [("primary", "push")]


def test_a_queued_sync_of_every_calendar_covers_the_notice(push_client):
    primary = opened()["primary"]
    sync_jobs.request_sync()

    assert notice(push_client, primary.id, primary.token).json == {"status": "already_queued"}
    assert queued() == [(None, "api")]


def test_the_handshake_queues_nothing(push_client):
    primary = opened()["primary"]

    response = notice(push_client, primary.id, primary.token, "sync")

    assert response.status_code == 200 and response.json == {"status": "handshake"}
    assert queued() == []


def test_a_notice_for_a_channel_still_opening_is_accepted(push_client):
    """Google sends the handshake before it answers the watch call."""
    primary = opened()["primary"]
    with write_transaction() as session:
        session.execute(update(PushChannel).where(PushChannel.id == primary.id).values(state="opening"))

    assert notice(push_client, primary.id, primary.token, "sync").status_code == 200


def test_forged_notices_get_one_answer_and_queue_nothing(push_client, caplog):
    channels = opened()
    primary, team = channels["primary"], channels["team"]
    forgeries = [
        notice(push_client, primary.id, "wrong-token"),
        notice(push_client, primary.id, team.token),  # another channel's token
        notice(push_client, primary.id, None),
        notice(push_client, "no-such-channel", primary.token),
        notice(push_client, "", ""),
        notice(push_client, "x" * 5000, primary.token),
        push_client.post(URL),
    ]

    for response in forgeries:
        assert response.status_code == 404
        assert response.json == {
            "error": {"code": "unknown_channel", "message": "No push channel with this id and token."}
        }
    assert queued() == []
    assert db.session.get(PushChannel, primary.id).messages == 0
    assert primary.token not in caplog.text and team.token not in caplog.text
    assert "refused a push notice" in caplog.text


def test_no_bearer_key_is_needed_and_a_wrong_one_changes_nothing(push_client):
    primary = opened()["primary"]
    response = push_client.post(
        URL,
        headers={
            "X-Goog-Channel-ID": primary.id,
            "X-Goog-Channel-Token": primary.token,
            "X-Goog-Resource-State": "exists",
            "Authorization": "Bearer wrong",
        },
    )
    assert response.status_code == 200


def test_guessing_is_throttled_like_wrong_api_keys(make_app, google_settings):
    application = make_app(google_settings(security={"api_failures_per_minute": 3}))
    client = application.test_client()
    with application.app_context():
        primary = opened()["primary"]
        for _ in range(3):
            assert notice(client, primary.id, "guess").status_code == 404
        refused = notice(client, primary.id, primary.token)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert refused.json["error"]["code"] == "too_many_requests"
        assert queued() == []


def test_the_route_is_documented_with_its_answers(client):
    operation = client.get("/api/v1/openapi.json").json["paths"][URL]["post"]
    assert not operation.get("security")  # public: no bearer scheme
    assert {"200", "404", "429"} <= set(operation["responses"])
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert {"X-Goog-Channel-ID", "X-Goog-Channel-Token", "X-Goog-Resource-State"} <= headers


def test_the_route_matches_the_address_given_to_google():
    from app.sources.google_account import NOTIFICATION_PATH

    assert NOTIFICATION_PATH == URL


def test_sync_jobs_count_is_untouched_by_refusals(push_client):
    before = db.session.scalar(select(func.count()).select_from(SyncJob))
    notice(push_client, "nope", "nope")
    assert db.session.scalar(select(func.count()).select_from(SyncJob)) == before
