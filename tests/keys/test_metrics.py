"""GET /metrics: Prometheus text whose numbers are the database's, behind the metrics scope."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from app.db import write_transaction
from app.extensions import db
from app.models import Command, Event, Heartbeat, PendingUpstreamOp, SyncState
from app.services import api_keys, heartbeat
from app.timeutil import utcnow


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def samples(text: str) -> dict[str, dict[tuple, float]]:
    """Metric name -> {sorted label items: value}, parsed by Prometheus's own parser."""
    found: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def fill_database() -> None:
    now = utcnow()
    with write_transaction() as session:
        for index, (system, status) in enumerate(
            [("hub", "pending"), ("hub", "pending"), ("hub", "failed"), ("nas", "completed")]
        ):
            session.add(Command(system_id=system, command="PING", status=status, source_key=f"m:{index}"))
        for index, calendar in enumerate(["work", "work", "work", "home"]):
            start = now + timedelta(hours=index)
            session.add(
                Event(title=f"e{index}", start_time=start, end_time=start + timedelta(hours=1), calendar_id=calendar)
            )
        session.add(
            SyncState(calendar_id="work", source="demo", status="ok", last_success_at=now - timedelta(minutes=3))
        )
        session.add(SyncState(calendar_id="home", source="demo", status="error", last_success_at=None))
        session.add(PendingUpstreamOp(calendar_id="work", source="google", external_id="x1", op="delete"))
        session.add(
            Heartbeat(
                name=f"{heartbeat.PREFIX}gone-host:1:1",
                pid=1,
                started_at=now - timedelta(hours=1),
                beat_at=now - timedelta(minutes=30),
                interval_seconds=5,
            )
        )
    heartbeat.beat(now, 5)


def test_metrics_report_the_database_counts(client, app):
    fill_database()
    key = api_keys.create_key("prometheus", ["metrics"]).key
    response = client.get("/metrics", headers=bearer(key))
    assert response.status_code == 200 and response.content_type.startswith("text/plain; version=")
    found = samples(response.text)

    expected_commands = Counter((c.system_id, c.status) for c in db.session.scalars(select(Command)))
    assert found["chronos_commands"] == {
        (("status", status), ("system_id", system)): float(count)
        for (system, status), count in expected_commands.items()
    }
    assert found["chronos_commands"][(("status", "pending"), ("system_id", "hub"))] == 2.0
    expected_events = Counter(event.calendar_id for event in db.session.scalars(select(Event)))
    assert found["chronos_events"] == {(("calendar_id", cal),): float(n) for cal, n in expected_events.items()}
    work = db.session.get(SyncState, "work").last_success_at
    assert found["chronos_sync_last_success_timestamp_seconds"] == {(("calendar_id", "work"),): work.timestamp()}
    assert found["chronos_outbox_pending"] == {(): 1.0}
    assert found["chronos_daemons_alive"] == {(): 1.0}  # the stale heartbeat does not count


def test_http_requests_are_counted_by_method_and_status(client, auth):
    for _ in range(3):
        assert client.get("/api/v1/notes", headers=auth).status_code == 200
    assert client.get("/api/v1/notes").status_code == 401
    assert client.post("/api/v1/templates", json={}, headers=auth).status_code == 422
    found = samples(client.get("/metrics", headers=auth).text)["chronos_http_requests_total"]
    assert found[(("method", "GET"), ("status", "200"))] == 3.0
    assert found[(("method", "GET"), ("status", "401"))] == 1.0
    assert found[(("method", "POST"), ("status", "422"))] == 1.0
    scraped = samples(client.get("/metrics", headers=auth).text)
    again = scraped["chronos_http_requests_total"]
    assert again[(("method", "GET"), ("status", "200"))] == 4.0  # the first scrape itself
    timed = scraped["chronos_http_request_duration_seconds_count"]
    assert timed[(("method", "GET"),)] == 5.0 and timed[(("method", "POST"),)] == 1.0
    assert scraped["chronos_http_request_duration_seconds_sum"][(("method", "GET"),)] > 0


def test_metrics_need_the_metrics_or_admin_scope(client, auth):
    reader = api_keys.create_key("reader", ["read"]).key
    assert client.get("/metrics").status_code == 401
    refused = client.get("/metrics", headers=bearer(reader))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "insufficient_scope"
    assert client.get("/metrics", headers=auth).status_code == 200


def test_metrics_public_serves_without_a_key(make_app):
    app = make_app({"metrics": {"public": True}})
    assert app.test_client().get("/metrics").status_code == 200


def test_a_sync_records_its_last_success_and_a_failed_run_keeps_it(app):
    from app.services import sync

    sync.run_sync(days_ahead=7)
    state = db.session.scalars(select(SyncState).order_by(SyncState.calendar_id)).first()
    assert state.status == "ok" and state.last_success_at == state.last_sync_at is not None
    succeeded = state.last_success_at
    sync._finish_state(state.calendar_id, state.source, "error", "upstream said no", None, keep_token=True)
    db.session.expire_all()
    failed = db.session.get(SyncState, state.calendar_id)
    assert failed.status == "error" and failed.last_sync_at > succeeded and failed.last_success_at == succeeded
