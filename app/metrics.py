"""GET /metrics: Prometheus text, counted from the database at scrape time (cached briefly) plus this process's
HTTP request counter."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from app.config import current_settings
from app.extensions import db
from app.models import Command, Event, PendingUpstreamOp, SyncState
from app.services.heartbeat import alive_daemons

# Scrapes within this many seconds share one set of database counts (several scrapers, or a fast interval).
CACHE_SECONDS = 2.0
REGISTRY_KEY = "chronos.metrics"
REQUESTS_KEY = "chronos.request_metrics"


class DatabaseCollector(Collector):
    """The gauges read from the database: commands, events, last successful syncs, outbox, daemons."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[float, list[Metric]] = (0.0, [])

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            taken, metrics = self._cached
            if time.monotonic() - taken > CACHE_SECONDS:
                metrics = database_metrics()
                self._cached = (time.monotonic(), metrics)
        yield from metrics


def database_metrics() -> list[Metric]:
    """Every database gauge, counted now."""
    commands = GaugeMetricFamily("chronos_commands", "Commands by system and status.", labels=["system_id", "status"])
    for system_id, status, count in db.session.execute(
        select(Command.system_id, Command.status, func.count()).group_by(Command.system_id, Command.status)
    ):
        commands.add_metric([system_id, status], count)
    events = GaugeMetricFamily("chronos_events", "Stored events by calendar.", labels=["calendar_id"])
    for calendar_id, count in db.session.execute(select(Event.calendar_id, func.count()).group_by(Event.calendar_id)):
        events.add_metric([calendar_id], count)
    synced = GaugeMetricFamily(
        "chronos_sync_last_success_timestamp_seconds",
        "When each calendar last synced successfully (Unix time).",
        labels=["calendar_id"],
    )
    for calendar_id, moment in db.session.execute(
        select(SyncState.calendar_id, SyncState.last_success_at).where(SyncState.last_success_at.is_not(None))
    ):
        if moment is not None:  # the query leaves them out; the check is for the type checker
            synced.add_metric([calendar_id], moment.timestamp())
    outbox = db.session.scalar(select(func.count()).select_from(PendingUpstreamOp)) or 0
    db.session.rollback()  # end the read snapshot: nothing else runs in this request
    return [
        commands,
        events,
        synced,
        GaugeMetricFamily("chronos_outbox_pending", "Changes still to send to calendar providers.", value=outbox),
        GaugeMetricFamily("chronos_daemons_alive", "Daemons beating now.", value=len(alive_daemons())),
    ]


class RequestMetrics:
    """This process's HTTP request counter and durations, by method and status."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._requests = Counter(
            "chronos_http_requests", "HTTP requests this web process answered.", ["method", "status"], registry=registry
        )
        self._durations = Histogram(
            "chronos_http_request_duration_seconds",
            "Time this web process took to answer a request, by method.",
            ["method"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )
        # Each label set's child, found with one dict lookup per request instead of labels()' checks and lock.
        self._counted: dict[tuple[str, int], Counter] = {}
        self._timed: dict[str, Histogram] = {}

    def observe(self, method: str, status: int, seconds: float | None) -> None:
        """Count one answered request (and how long it took, when known)."""
        counter = self._counted.get((method, status))
        if counter is None:
            counter = self._counted.setdefault((method, status), self._requests.labels(method, str(status)))
        counter.inc()
        if seconds is not None:
            timer = self._timed.get(method)
            if timer is None:
                timer = self._timed.setdefault(method, self._durations.labels(method))
            timer.observe(seconds)


def request_metrics(app: Flask) -> RequestMetrics:
    return app.extensions[REQUESTS_KEY]


def init_app(app: Flask) -> None:
    """Serve /metrics and count this process's HTTP requests."""
    registry = CollectorRegistry(auto_describe=False)
    counted = RequestMetrics(registry)
    registry.register(DatabaseCollector())
    app.extensions[REGISTRY_KEY] = registry
    app.extensions[REQUESTS_KEY] = counted

    @app.before_request
    def _start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count_request(response: Response) -> Response:
        started = g.get("metrics_started")
        seconds = None if started is None else time.perf_counter() - started
        counted.observe(request.method, response.status_code, seconds)
        return response

    app.add_url_rule("/metrics", "metrics", scrape)


def scrape() -> Response:
    """The metrics in Prometheus text format: a metrics or admin key, unless metrics.public."""
    from flask import current_app

    from app.access import api_access_denied

    refused = None if current_settings().metrics.public else api_access_denied()
    if refused is not None:
        return refused
    body = generate_latest(current_app.extensions[REGISTRY_KEY])
    return Response(body, mimetype=None, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
