"""`copy-data SOURCE_URL TARGET_URL` as a user runs it: a SQLite database (made by release 0.1.0, upgraded)
moved to PostgreSQL and back, a target that holds events refused, bad URLs answered with one line.

The SQLite → PostgreSQL move needs a PostgreSQL server whatever the backend under test: the session's own,
or one this module starts (never skipped with CI=true).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from app.data_copy import copy_database, normalised_url
from app.extensions import db
from tests import databases
from tests.databases import PostgresCluster, postgres_bin_dir, row_counts
from tests.support import LiveServer, free_port, process_env

ROOT = Path(__file__).resolve().parents[2]
RELEASE_0_1_DB = ROOT / "tests" / "fixtures" / "release_0_1.db"
KEY = "copy-data-test-key-0123"
PASSWORD = "s3cret-pass-word"


def run_cli(args: list[str], instance: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=process_env(instance, KEY),
        capture_output=True,
        text=True,
        timeout=180,
    )


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    """stderr without the app's start-up log lines."""
    return [line for line in result.stderr.splitlines() if line.strip() and " INFO " not in line]


def get_json(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def upgraded_release_0_1(folder: Path) -> str:
    """An instance folder holding a copy of the release 0.1.0 database, upgraded by init-db; its URL."""
    folder.mkdir(parents=True)
    shutil.copy(RELEASE_0_1_DB, folder / "chronos.db")
    result = run_cli(["init-db"], folder)
    assert result.returncode == 0, result.stderr
    return f"sqlite:///{folder / 'chronos.db'}"


@pytest.fixture(scope="module")
def new_postgresql_database() -> Iterator[Callable[[], str]]:
    """Makes empty PostgreSQL databases (URL with a password, which trust authentication ignores)."""
    cluster = databases.active().cluster
    own = None
    if cluster is None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            if os.environ.get("CI") == "true":
                pytest.fail("PostgreSQL's server programs are missing (apt-get install postgresql)")
            pytest.skip("PostgreSQL is not installed here")
        own = cluster = PostgresCluster(bin_dir).start()
    numbers = itertools.count(1)
    made: list[str] = []

    def make() -> str:
        name = f"copy_{os.getpid()}_{next(numbers)}"
        cluster.execute(f"CREATE DATABASE {name}")
        made.append(name)
        return cluster.url(name).replace("postgres@", f"postgres:{PASSWORD}@")

    yield make
    for name in made:
        cluster.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    if own is not None:
        own.stop()


@pytest.fixture(scope="module")
def copied(tmp_path_factory, new_postgresql_database) -> tuple[str, str, subprocess.CompletedProcess]:
    """The release 0.1.0 database, upgraded, copied to a new PostgreSQL database: (source, target, run)."""
    folder = tmp_path_factory.mktemp("copy") / "instance"
    source = upgraded_release_0_1(folder)
    target = new_postgresql_database()
    return source, target, run_cli(["copy-data", source, target], folder)


def test_sqlite_to_postgresql_copies_every_row_of_every_table(copied):
    source, target, result = copied
    assert result.returncode == 0, result.stderr
    counts = row_counts(source)
    assert row_counts(target) == counts
    for table, rows in counts.items():
        assert f"  {table}: {rows}\n" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr and "postgres:***@" in result.stdout


def stored_rows(url: str) -> dict[str, list]:
    """Every row of every table as Python values, read through the models' column types."""
    import app.models  # noqa: F401

    engine = create_engine(normalised_url(url))
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.execute(select(table).order_by(*table.primary_key.columns)).all()
                for table in db.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_every_value_arrives_unchanged(copied):
    """Datetimes, dates, booleans, JSON and floats read back the same from the target as from the source."""
    source, target, _ = copied
    assert stored_rows(target) == stored_rows(source)
    engine = create_engine(normalised_url(target))
    with engine.connect() as connection:  # SQL NULL stays NULL in a JSON column (not a JSON null)
        assert connection.execute(text("SELECT count(*) FROM commands WHERE result IS NULL")).scalar_one() == 2
    engine.dispose()


def test_an_app_on_the_target_finds_copied_events_and_adds_new_ones(copied, tmp_path):
    _, target, _ = copied
    server = LiveServer(tmp_path / "instance", KEY, with_daemon=False, database_url=target).start()
    try:
        found = get_json(f"{server.url}/api/v1/events?q=budget&direction=all&range=-1")["items"]
        assert [(item["title"], item["location"]) for item in found] == [("Quarterly budget review", "Room Atlas")]
        status, created = post_json(
            f"{server.url}/api/v1/events",
            {
                "title": "First event after the move",
                "start_time": "2026-12-05T09:00:00Z",
                "end_time": "2026-12-05T10:00:00Z",
            },
        )
        assert status == 201
        copied_ids = [
            item["id"] for item in get_json(f"{server.url}/api/v1/events?direction=all&range=-1&page_size=500")["items"]
        ]
        assert created["id"] > max(set(copied_ids) - {created["id"]})
    finally:
        server.stop()


def test_postgresql_to_sqlite_copies_back_with_a_complete_search_index(copied, tmp_path):
    _, target, _ = copied
    back = tmp_path / "back" / "chronos.db"
    back.parent.mkdir()
    result = run_cli(["copy-data", target, f"sqlite:///{back}"], tmp_path / "instance")
    assert result.returncode == 0, result.stderr
    assert stored_rows(f"sqlite:///{back}") == stored_rows(target)
    with sqlite3.connect(back) as connection:
        indexed = connection.execute("SELECT count(*) FROM events_fts").fetchone()[0]
        events = connection.execute("SELECT count(*) FROM events").fetchone()[0]
        match = connection.execute("SELECT rowid FROM events_fts WHERE events_fts MATCH 'atlas'").fetchall()
        wanted = connection.execute("SELECT id FROM events WHERE location = 'Room Atlas'").fetchall()
    assert indexed == events and match == wanted


def test_tables_are_copied_parent_first_in_many_small_batches(tmp_path):
    source = upgraded_release_0_1(tmp_path / "source")
    target = f"sqlite:///{tmp_path / 'target' / 'chronos.db'}"
    (tmp_path / "target").mkdir()
    order: list[str] = []
    counts = copy_database(source, target, progress=lambda table, rows: order.append(table), batch_rows=7)
    assert order == [table.name for table in db.metadata.sorted_tables]
    assert order.index("events") < order.index("event_analytics")
    assert order.index("templates") < order.index("template_usage")
    assert counts["events"] > 7 * 10
    assert stored_rows(target) == stored_rows(source)


def test_a_target_that_holds_events_is_refused_and_left_alone(tmp_path):
    source = upgraded_release_0_1(tmp_path / "source")
    target = upgraded_release_0_1(tmp_path / "target")
    before = row_counts(target)
    result = run_cli(["copy-data", source, target], tmp_path / "source")
    assert result.returncode != 0
    lines = error_lines(result)
    assert len(lines) == 1 and f"already holds {before['events']} events" in lines[0], result.stderr
    assert row_counts(target) == before


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("mysql://user:pw@localhost/chronos", "sqlite:///{tmp}/target.db", "unsupported database URL"),
        ("sqlite:///{tmp}/missing.db", "sqlite:///{tmp}/target.db", "does not exist"),
        (
            "sqlite:///{tmp}/source/chronos.db",
            f"postgresql://someone:{PASSWORD}@127.0.0.1:{{port}}/nothing",
            "nothing copied",
        ),
    ],
)
def test_a_bad_url_gives_one_line_and_a_non_zero_exit(tmp_path, source, target, expected):
    upgraded_release_0_1(tmp_path / "source")
    urls = [url.format(tmp=tmp_path, port=free_port()) for url in (source, target)]
    result = run_cli(["copy-data", *urls], tmp_path / "source")
    assert result.returncode != 0
    lines = error_lines(result)
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert not (tmp_path / "missing.db").exists()
