"""A database that cannot be used stops each process at start-up with one line naming it, password masked."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests import databases
from tests.support import BIN, ROOT, free_port, process_env

PROCESSES = {
    "web": [str(BIN / "waitress-serve"), "--listen=127.0.0.1:{port}", "wsgi:app"],
    "daemon": [sys.executable, "-m", "daemon"],
    "init-db": [str(BIN / "flask"), "--app", "wsgi", "init-db"],
}


def start_failure(process: str, tmp_path, url: str) -> list[str]:
    """Start one process against `url`; it must exit non-zero. Its stderr lines that are not blank."""
    command = [part.format(port=free_port()) for part in PROCESSES[process]]
    env = process_env(tmp_path / "instance", "my-own-secret-key", CHRONOS_DATABASE_URL=url)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0, result.stderr
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("process", PROCESSES)
def test_an_unreachable_server_stops_start_up_with_one_line(process, tmp_path):
    url = f"postgresql://chronos:pa55word@127.0.0.1:{free_port()}/chronos"
    lines = start_failure(process, tmp_path, url)
    assert len(lines) == 1, lines
    assert lines[0].startswith("database error: cannot use postgresql+psycopg://chronos:***@127.0.0.1:")
    assert "pa55word" not in lines[0] and "refused" in lines[0].lower()


@pytest.mark.postgresql_only
def test_a_missing_database_on_a_running_server_is_named(tmp_path):
    url = databases.active().new(tmp_path).rsplit("/", 1)[0] + "/no_such_database"
    lines = start_failure("init-db", tmp_path, url)
    assert len(lines) == 1, lines
    assert "no_such_database" in lines[0] and "does not exist" in lines[0]


def test_an_unsupported_url_is_a_config_error(tmp_path):
    lines = start_failure("init-db", tmp_path, "mysql://root:pw@localhost/chronos")
    assert len(lines) == 1, lines
    assert "database.url" in lines[0] and "postgresql://" in lines[0]


def test_a_sqlite_file_that_cannot_be_created_is_named(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    lines = start_failure("init-db", tmp_path, f"sqlite:///{blocker}/chronos.db")
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"database error: cannot use sqlite:///{blocker}/chronos.db")
