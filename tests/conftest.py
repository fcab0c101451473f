"""Shared fixtures: an app on a real SQLite file in a temporary instance folder, clients, login."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app import create_app
from tests import databases

TEST_KEY = "test-key-0123456789"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        default="sqlite",
        choices=databases.BACKENDS,
        help="the database backend every test runs on (a private PostgreSQL server is started)",
    )


def pytest_configure(config: pytest.Config) -> None:
    backend = config.getoption("--database")
    if backend == "postgresql" and databases.postgres_bin_dir() is None:
        if os.environ.get("CI") == "true":
            raise pytest.UsageError("PostgreSQL's server programs are missing (apt-get install postgresql)")
        pytest.exit(
            "PostgreSQL is not installed here: the PostgreSQL pass is skipped "
            "(install Debian's postgresql package to run it)",
            returncode=0,
        )
    databases.current = databases.Databases(backend).start()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of one backend's own mechanics are deselected on the other backend, and tests of how pages look run
    on SQLite only (not skipped: nothing is missing, they have nothing to check there)."""
    backend = config.getoption("--database")
    others = {"sqlite": ("postgresql_only",), "postgresql": ("sqlite_only", "presentation")}[backend]
    deselected = [item for item in items if any(item.get_closest_marker(other) for other in others)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


def pytest_unconfigure(config: pytest.Config) -> None:
    if databases.current is not None:
        databases.current.stop()


def pytest_report_header(config: pytest.Config) -> str:
    return f"database backend: {config.getoption('--database')}"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up the developer's own CHRONOS_* settings."""
    for name in list(os.environ):
        if name.startswith("CHRONOS") or name == "PORT":
            monkeypatch.delenv(name, raising=False)


def base_overrides(instance: Path, database_url: str = "") -> dict[str, Any]:
    return {
        "app": {"env": "test", "instance_path": str(instance)},
        "api": {"api_key": TEST_KEY},
        "calendar": {"source": "demo"},
        "database": {"url": database_url},
    }


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@pytest.fixture
def database_url(tmp_path: Path):
    """A new, empty-of-rows database of the backend under test, dropped afterwards."""
    url = databases.active().new(tmp_path / "instance")
    yield url
    databases.active().drop(url)


@pytest.fixture
def postgresql() -> bool:
    """Whether this run's backend is PostgreSQL (for the few checks that differ by backend)."""
    return databases.active().postgresql


@pytest.fixture
def make_app(tmp_path: Path, database_url: str) -> Callable[..., Any]:
    """Build an app with extra settings on top of the test defaults."""

    def build(overrides: dict[str, Any] | None = None):
        return create_app(deep_merge(base_overrides(tmp_path / "instance", database_url), overrides or {}))

    return build


@pytest.fixture
def app(make_app):
    application = make_app()
    with application.app_context():
        yield application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TEST_KEY}"}


CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html) or re.compile(r'"X-CSRFToken": "([^"]+)"').search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def log_in(client, key: str = TEST_KEY):
    page = client.get("/login")
    return client.post("/login", data={"api_key": key, "csrf_token": csrf_token_from(page.text)})


@pytest.fixture
def dashboard(client):
    """A test client that is signed in to the dashboard."""
    response = log_in(client)
    assert response.status_code == 302
    return client
