"""The container files (Docker cannot run here): compose and the Dockerfile run exactly the Procfile's commands
from one image, as a non-root user, and the image's health check works against a real server."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.support import LiveServer

ROOT = Path(__file__).resolve().parents[2]
KEY = "container-test-key-0123"


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def dockerfile_instruction(name: str) -> list[str]:
    """The arguments of every Dockerfile instruction `name`, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [match.strip() for match in re.findall(rf"^{name}\s+(.*)$", text, flags=re.MULTILINE)]


def shell_script(command: list[str]) -> str:
    """The script of a `/bin/sh -c <script>` command; compose's $$ is a literal $ in the container."""
    assert command[:2] == ["/bin/sh", "-c"], command
    return command[2].replace("$$", "$")


def test_compose_runs_exactly_the_procfile_commands():
    services = compose()["services"]
    for name in ("web", "daemon"):
        assert shell_script(services[name]["command"]) == f"exec {procfile()[name]}"
    assert services["migrate"]["command"] == shlex.split("flask --app wsgi init-db")


def test_the_dockerfile_default_command_is_the_procfile_web_command():
    (command,) = dockerfile_instruction("CMD")
    assert shell_script(json.loads(command)) == f"exec {procfile()['web']}"
    assert dockerfile_instruction("EXPOSE") == ["8080"]
    assert dockerfile_instruction("FROM") == ["python:3.12-slim"]
    (install,) = [run for run in dockerfile_instruction("RUN") if "pip install" in run]
    assert "--no-cache-dir ." in install


def test_every_chronos_service_uses_the_one_image():
    services = compose()["services"]
    chronos = {name: service for name, service in services.items() if name != "postgres"}
    assert set(chronos) == {"migrate", "web", "daemon"}
    assert {(service["build"], service["image"]) for service in chronos.values()} == {(".", "chronos-engine:latest")}
    for service in chronos.values():
        assert "postgres:5432" in service["environment"]["CHRONOS_DATABASE_URL"]
        assert {"CHRONOS_API_KEY", "CHRONOS_SECRET_KEY"} <= set(service["environment"])


def test_web_and_daemon_start_after_a_successful_migration_on_a_healthy_database():
    services = compose()["services"]
    assert services["postgres"]["image"] == "postgres:16"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["postgres"]["volumes"])
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "daemon"):
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }


def test_the_image_runs_as_a_non_root_user():
    users = dockerfile_instruction("USER")
    assert users and users[-1] not in {"root", "0"}


def test_the_build_context_keeps_what_the_image_needs_and_leaves_out_local_state():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "instance", "tests"} <= ignored
    needed = {
        "app",
        "daemon",
        "plugins",
        "migrations",
        "templates",
        "static",
        "config",
        "wsgi.py",
        "Procfile",
        "pyproject.toml",
        "README.md",
    }
    assert not needed & ignored


def wait_for_healthy(url: str, timeout: float = 30.0) -> None:
    """Wait until /health answers 200 (the daemon has beaten)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise TimeoutError(f"{url}/health did not become healthy within {timeout}s")


def healthcheck_command() -> list[str]:
    (healthcheck,) = dockerfile_instruction("HEALTHCHECK")
    return json.loads(healthcheck.split(" CMD ", 1)[1])


def test_the_health_check_asks_health_and_fails_while_no_daemon_beats(tmp_path):
    command = healthcheck_command()
    assert command[0] == "python" and "/health" in command[-1]
    server = LiveServer(tmp_path / "instance", KEY, with_daemon=False).start()
    try:
        check = subprocess.run(
            [sys.executable, *command[1:]],
            env={**server.env, "PORT": str(server.port)},
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        server.stop()
    assert check.returncode != 0 and "503" in check.stderr


@pytest.mark.slow
def test_the_health_check_passes_against_a_healthy_server(tmp_path):
    server = LiveServer(tmp_path / "instance", KEY).start()
    try:
        wait_for_healthy(server.url)
        check = subprocess.run(
            [sys.executable, *healthcheck_command()[1:]],
            env={**server.env, "PORT": str(server.port)},
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        server.stop()
    assert check.returncode == 0, check.stderr
