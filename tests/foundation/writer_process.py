"""Run as a separate process by test_db: inserts events in many small write transactions."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from app import create_app
from app.db import write_transaction
from app.models import Event
from app.timeutil import utcnow
from tests.conftest import base_overrides


def main(instance: str, database_url: str, label: str, count: int, per_transaction: int) -> None:
    app = create_app(base_overrides(Path(instance), database_url))
    start = utcnow()
    with app.app_context():
        for first in range(0, count, per_transaction):
            with write_transaction() as session:
                for number in range(first, min(first + per_transaction, count)):
                    session.add(
                        Event(
                            title=f"{label} {number}",
                            start_time=start + timedelta(minutes=number),
                            end_time=start + timedelta(minutes=number + 30),
                            calendar_id=label,
                            external_id=f"{label}-{number}",
                            source="demo",
                        )
                    )
    print("done", label)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
