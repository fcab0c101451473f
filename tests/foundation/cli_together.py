"""Run as several processes by test_migrations: each runs one `flask --app wsgi ...` command, all at one instant.

Each process does its heavy imports first, then says it is ready (a file in READY_DIR) and waits until COUNT
processes are ready, so that the commands start within a millisecond or so of each other instead of whenever
each interpreter happens to finish importing.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

WAIT_SECONDS = 60


def main(ready_dir: Path, count: int, args: list[str]) -> None:
    import alembic.command  # noqa: F401  (the imports the command needs, done before the barrier)
    import flask.cli

    import app.api
    import app.dashboard
    import app.models  # noqa: F401

    (ready_dir / str(os.getpid())).touch()
    deadline = time.monotonic() + WAIT_SECONDS
    while sum(1 for _ in ready_dir.iterdir()) < count:
        if time.monotonic() > deadline:
            sys.exit("the other processes never became ready")
        time.sleep(0.0005)
    sys.argv = ["flask", "--app", "wsgi", *args]
    flask.cli.main()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:])
