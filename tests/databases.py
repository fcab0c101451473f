"""The database backend under test: a SQLite file per test, or a throwaway PostgreSQL server of our own.

`make test` runs the suite twice: once on SQLite, once with `--database=postgresql`. For PostgreSQL a private
cluster is made with Debian's `initdb` in a temporary folder (as the `postgres` user when running as root,
since initdb refuses root), listening on 127.0.0.1 only, with fsync off. A template database is migrated
once; every test gets a copy of it (CREATE DATABASE ... TEMPLATE), dropped again afterwards.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, func, inspect, select

BACKENDS = ("sqlite", "postgresql")
TEMPLATE = "chronos_template"


def postgres_bin_dir() -> Path | None:
    """Where Debian's PostgreSQL server programs are (they are not on PATH), or wherever pg_ctl is."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    """A PostgreSQL server owned by the test session; stopped and deleted when it ends."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="chronos-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        self.running = False

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.root)

    def start(self) -> PostgresCluster:
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=400"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        self.running = True
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        if self.running:
            self.running = False
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, statement: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(statement)


class Databases:
    """Fresh, migrated databases of one backend, one per call of new()."""

    def __init__(self, backend: str) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown database backend {backend!r}; expected one of {', '.join(BACKENDS)}")
        self.backend = backend
        self.cluster: PostgresCluster | None = None
        self._numbers = itertools.count(1)

    @property
    def postgresql(self) -> bool:
        return self.backend == "postgresql"

    def start(self) -> Databases:
        if not self.postgresql:
            return self
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL's server programs were not found (install Debian's postgresql package)")
        self.cluster = PostgresCluster(bin_dir).start()
        self.cluster.execute(f"CREATE DATABASE {TEMPLATE}")
        self._migrate(self.cluster.url(TEMPLATE))
        return self

    @staticmethod
    def _migrate(url: str) -> None:
        """Bring a database to the newest revision in a child process (no app state leaks into the tests)."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("CHRONOS")}
        env.update({"CHRONOS_DATABASE_URL": url, "CHRONOS_INSTANCE_PATH": tempfile.mkdtemp(prefix="chronos-")})
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "init-db"],
            check=True,
            env=env,
            capture_output=True,
            cwd=Path(__file__).resolve().parents[1],
        )

    def stop(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()

    def new(self, instance: Path) -> str:
        """The URL of a new, migrated database (SQLite: a file in the instance folder, made at first start)."""
        return self._create(instance, "test", f" TEMPLATE {TEMPLATE}")

    def empty(self, instance: Path) -> str:
        """The URL of a new database without any tables (for migration tests)."""
        return self._create(instance, "empty", "")

    def _create(self, instance: Path, prefix: str, options: str) -> str:
        if self.cluster is None:
            return f"sqlite:///{instance / 'chronos.db'}"
        name = f"{prefix}_{os.getpid()}_{next(self._numbers)}"
        self.cluster.execute(f"CREATE DATABASE {name}{options}")
        return self.cluster.url(name)

    def drop(self, url: str) -> None:
        if self.cluster is not None:
            self.cluster.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def row_counts(url: str) -> dict[str, int]:
    """Rows per table of the models, in any database of either backend."""
    import app.models  # noqa: F401  (registers every table on the metadata)
    from app.data_copy import normalised_url
    from app.extensions import db

    engine = create_engine(normalised_url(url))
    try:
        with engine.connect() as connection:
            # A table a later migration adds counts as empty in a database made before it.
            present = set(inspect(connection).get_table_names())
            return {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                if table.name in present
                else 0
                for table in db.metadata.sorted_tables
            }
    finally:
        engine.dispose()


# The session's databases, set by tests/conftest.py before any test runs; helpers outside fixtures use it.
current: Databases | None = None


def active() -> Databases:
    if current is None:
        raise RuntimeError("the test session has not set up its databases")
    return current
