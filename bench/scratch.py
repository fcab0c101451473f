"""Scratch databases for the benchmarks: SQLite files in a folder, or databases on a PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def scratch_database(server_url: str, name: str = "bench") -> str:
    """A new database `<name>_<pid>` on the server of `server_url` (any database there); its URL."""
    database = f"{name}_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {database}")
    return f"{server_url.rsplit('/', 1)[0]}/{database}"


def drop_database(server_url: str, url: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


@contextmanager
def scratch_databases(server_url: str | None, folder: Path) -> Iterator[Callable[[str], str]]:
    """`new(name)` gives the URL of a new, empty database: `folder/<name>/chronos.db`, or `bench_<name>_<pid>` on
    the PostgreSQL server of `server_url`, dropped again on the way out."""
    made: list[str] = []

    def new(name: str) -> str:
        if server_url is None:
            (folder / name).mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{folder / name / 'chronos.db'}"
        made.append(scratch_database(server_url, f"bench_{name}"))
        return made[-1]

    try:
        yield new
    finally:
        for url in made:
            drop_database(server_url or "", url)
