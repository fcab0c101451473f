"""CalDAV sync and write-back against a real Radicale server, beside the fake Google's figure from the same run.

Run by hand: `.venv/bin/python bench/caldav_sync.py` (EVENTS=500 for a quicker look). The bench starts Radicale
(from PyPI) on 127.0.0.1 with a temporary folder, fills one calendar with EVENTS single events, and measures:
- the full sync of that calendar, end to end through the plugin pipeline (events/s), and the same for the fake
  Google server with as many events (events/s, measured in this run on this machine);
- an incremental sync after 10 events were changed on the server (target < 1 s);
- write-back latency: an event created through the API until it can be fetched from the CalDAV server, p50 and
  p99 over 100 events, carried out by a real daemon process (`python -m daemon`, scheduler.job_poll_seconds as
  configured: POLL, default 1 s, the shipped default).
SQLite files in a temporary folder, or with `--database-url postgresql://user@host:port/any_db` scratch
databases on that PostgreSQL server (dropped afterwards).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import caldav  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import PendingUpstreamOp  # noqa: E402
from app.services.sync import run_sync  # noqa: E402
from bench.scratch import scratch_databases  # noqa: E402
from tests.caldav.radicale_server import RadicaleServer  # noqa: E402
from tests.fakes.google_calendar import FakeGoogle  # noqa: E402

EVENTS = int(os.environ.get("EVENTS", "2000"))
CHANGES = 10
WRITES = int(os.environ.get("WRITES", "100"))
POLL = os.environ.get("POLL", "1")
DAYS = 30
INCREMENTAL_TARGET = 1.0
API_KEY = "bench-key-0123456789"
USER, PASSWORD = "bench", "bench-password"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def ics(uid: str, summary: str, start: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Chronos bench//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"SUMMARY:{summary}",
        "DESCRIPTION:Quarterly planning and review",
        "LOCATION:Room 1",
        f"DTSTART:{stamp(start)}",
        f"DTEND:{stamp(start + timedelta(minutes=30))}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def slot(n: int, first: datetime) -> datetime:
    """Spread over the next DAYS - 1 days, so every event is inside the sync window."""
    return first + timedelta(minutes=(n * 17) % ((DAYS - 1) * 24 * 60))


def fill_radicale(radicale: RadicaleServer, first: datetime) -> None:
    """EVENTS items written straight into Radicale's storage folder (PUT one by one would take minutes), and
    the server's cache warmed."""
    radicale.make_calendar(USER, "bench")
    folder = radicale.root / "collections" / "collection-root" / USER / "bench"
    for n in range(EVENTS):
        (folder / f"bench-{n}.ics").write_text(ics(f"bench-{n}", f"Bench event {n}", slot(n, first)))
    # Radicale builds its item cache on the first listing; a PUT would have built it as the item came in.
    client = caldav.DAVClient(url=radicale.url, username=USER, password=PASSWORD, timeout=1800)
    client.principal().calendar(cal_id="bench").objects_by_sync_token(None, load_objects=False)


def settings_for(instance: Path, database_url: str, calendar: dict) -> dict:
    return {
        "app": {"env": "test", "instance_path": str(instance)},
        "api": {"api_key": API_KEY},
        "logging": {"level": "WARNING"},
        "database": {"url": database_url},
        "scheduler": {"sync_interval_minutes": 1440, "job_poll_seconds": float(POLL)},
        "calendar": calendar,
    }


def timed_sync(application) -> tuple[float, dict]:
    with application.app_context():
        began = time.perf_counter()
        result = run_sync(days_ahead=DAYS)
        took = time.perf_counter() - began
    if result.get("error"):
        raise SystemExit(f"sync failed: {result['error']}")
    return took, result


def google_full_sync(work: Path, database_url: str, first: datetime) -> float:
    """Events/s of a full sync of EVENTS events from the fake Google server."""
    fake = FakeGoogle().start()
    try:
        for n in range(EVENTS):
            begin = slot(n, first)
            fake.add_event(
                summary=f"Bench event {n}",
                description="Quarterly planning and review",
                location="Room 1",
                start={"dateTime": begin.strftime("%Y-%m-%dT%H:%M:%SZ"), "timeZone": "UTC"},
                end={"dateTime": (begin + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"), "timeZone": "UTC"},
            )
        token = work / "token.json"
        token.write_text(json.dumps(fake.token_info()))
        calendar = {
            "source": "google",
            "token_file": str(token),
            "calendars": ["primary"],
            "google": {"api_endpoint": fake.api_endpoint, "token_uri": fake.token_uri},
        }
        took, result = timed_sync(create_app(settings_for(work / "google", database_url, calendar)))
        assert result["events_created"] == EVENTS, result
        return EVENTS / took
    finally:
        fake.stop()


def change_on_server(radicale: RadicaleServer) -> None:
    calendar = radicale.user_client(USER).principal().calendar(cal_id="bench")
    for n in range(CHANGES):
        resource = calendar.object_by_uid(f"bench-{n}")
        resource.data = resource.data.replace(f"SUMMARY:Bench event {n}", f"SUMMARY:Changed event {n}")
        resource.save()


def visible(url: str) -> bool:
    request = urllib.request.Request(url)
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200
    except urllib.error.HTTPError:
        return False


def write_back_latencies(application, radicale: RadicaleServer, work: Path, config: dict) -> list[float]:
    """Seconds from the API's 201 until the new event can be fetched from the server, per event."""
    overlay = work / "daemon.yaml"
    overlay.write_text(json.dumps(config))  # JSON is YAML
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOS")}
    env["CHRONOS_CONFIG"] = str(overlay)
    daemon = subprocess.Popen([sys.executable, "-m", "daemon"], cwd=ROOT, env=env)
    client = application.test_client()
    headers = {"Authorization": f"Bearer {API_KEY}"}
    latencies: list[float] = []
    try:
        time.sleep(3)  # the daemon is up and done with its first scheduled sync
        for n in range(WRITES):
            start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2, minutes=n)
            body = {
                "title": f"Written here {n}",
                "start_time": start.isoformat(),
                "end_time": (start + timedelta(minutes=30)).isoformat(),
                "calendar_id": "bench",
            }
            began = time.perf_counter()
            created = client.post("/api/v1/events", json=body, headers=headers)
            assert created.status_code == 201, created.get_json()
            with application.app_context():
                uid = db.session.execute(
                    select(PendingUpstreamOp.external_id).where(
                        PendingUpstreamOp.payload["event_id"].as_integer() == created.get_json()["id"]
                    )
                ).scalar_one()
            url = f"{radicale.url}{USER}/bench/{uid}.ics"
            while not visible(url):
                if daemon.poll() is not None:
                    raise SystemExit(f"the daemon exited with {daemon.returncode}")
                if time.perf_counter() - began > 120:
                    raise SystemExit(f"event {n} did not reach the server within 120 s")
                time.sleep(0.01)
            latencies.append(time.perf_counter() - began)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(30)
        except subprocess.TimeoutExpired:
            daemon.kill()
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server to run on (postgresql://…); default SQLite")
    server_url = parser.parse_args().database_url
    backend = "PostgreSQL" if server_url else "SQLite"
    first = (datetime.now(UTC) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    radicale = RadicaleServer({USER: PASSWORD}).start()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="chronos-bench-caldav-") as folder,
            scratch_databases(server_url, Path(folder) / "db") as new_database,
        ):
            work = Path(folder)
            fill_radicale(radicale, first)
            account = {"name": "bench", "type": "caldav", "url": radicale.url, "username": USER, "password": PASSWORD}
            calendar = {"accounts": [{**account, "calendars": ["bench"]}]}
            config = settings_for(work / "caldav", new_database("caldav"), calendar)
            application = create_app(config)
            took, result = timed_sync(application)
            assert result["events_created"] == EVENTS, result
            google_rate = google_full_sync(work, new_database("google"), first)
            print(f"[{backend}]")
            print(f"caldav full sync: {EVENTS} events in {took:.2f} s = {EVENTS / took:.0f} events/s (Radicale)")
            print(f"google full sync (fake, same run): {EVENTS} events = {google_rate:.0f} events/s")
            change_on_server(radicale)
            took, result = timed_sync(application)
            assert result["events_updated"] == CHANGES, result
            verdict = "ok" if took < INCREMENTAL_TARGET else "MISSED"
            print(f"caldav incremental sync of {CHANGES} changes: {took:.3f} s (target < 1 s: {verdict})")
            latencies = write_back_latencies(application, radicale, work, config)
            print(
                f"caldav write-back, created here -> visible on the server: p50 {percentile(latencies, 0.5):.3f} s, "
                f"p99 {percentile(latencies, 0.99):.3f} s over {len(latencies)} events (job_poll_seconds {POLL})"
            )
    finally:
        radicale.stop()


if __name__ == "__main__":
    main()
