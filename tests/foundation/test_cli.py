"""CLI commands and start-up failures as a user meets them: real processes, one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support import BIN, process_env

ROOT = Path(__file__).resolve().parents[2]


def run_flask(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_check_config_prints_effective_settings_with_secrets_masked(tmp_path):
    env = process_env(tmp_path / "instance", "my-own-secret-key", CHRONOS_TIMEZONE="Europe/Berlin")
    result = run_flask(["check-config"], env)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["app"]["timezone"] == "Europe/Berlin"
    assert config["api"]["api_key"] == "****"
    assert "my-own-secret-key" not in result.stdout


def test_init_db_creates_the_default_database_and_a_private_secret_key(tmp_path):
    """Without database.url the database is a file in the instance folder (init-db twice: test_migrations)."""
    env = process_env(tmp_path / "instance", "my-own-secret-key")
    result = run_flask(["init-db"], env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "instance" / "chronos.db").exists()
    secret = tmp_path / "instance" / "secret_key"
    assert secret.stat().st_mode & 0o777 == 0o600


def test_bad_config_stops_the_web_app_with_one_line(tmp_path):
    overlay = tmp_path / "local.yaml"
    overlay.write_text("scheduler:\n  sync_interval_minutes: often\n")
    env = process_env(tmp_path / "instance", "my-own-secret-key", CHRONOS_CONFIG=str(overlay))
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "scheduler.sync_interval_minutes" in lines[0] and str(overlay) in lines[0]
