"""Benchmark: the optimizer over a month of 2,000 events (target: under 1 s), printed as one line.

Run with `.venv/bin/python bench/optimizer.py`. Builds a throw-away database in a temporary folder.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta

from app import create_app
from app.db import write_transaction
from app.models import Event
from app.services import planning

EVENTS = 2000
DAYS = 30
TARGET_SECONDS = 1.0


def seed(start: datetime) -> None:
    """2,000 events over 30 days: mostly working-hours meetings and tasks, some overlapping."""
    rng = random.Random(7)
    kinds = ["meeting", "meeting", "task", "task", "block", "appointment"]
    with write_transaction() as session:
        for n in range(EVENTS):
            day = rng.randrange(DAYS)
            begin = start + timedelta(days=day, hours=rng.randrange(7, 19), minutes=15 * rng.randrange(4))
            session.add(
                Event(
                    title=f"Event {n}",
                    start_time=begin,
                    end_time=begin + timedelta(minutes=15 * rng.randrange(1, 9)),
                    event_type=rng.choice(kinds),
                    tags=["flexible"] if rng.random() < 0.1 else [],
                )
            )


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "app": {"env": "test", "instance_path": folder},
                "api": {"api_key": "bench-key-123"},
                "calendar": {"source": "demo"},
            }
        )
        with app.app_context():
            now = datetime.now(UTC).replace(second=0, microsecond=0)
            seed(now)
            started = time.perf_counter()
            result = planning.optimize(DAYS, auto_apply=False, now=now)
            elapsed = time.perf_counter() - started
    counts: dict[str, int] = {}
    for item in result.suggestions:
        counts[item.type] = counts.get(item.type, 0) + 1
    verdict = "PASS" if elapsed < TARGET_SECONDS else "FAIL"
    print(
        f"optimizer: {EVENTS} events over {DAYS} days -> {len(result.suggestions)} suggestions "
        f"{counts} in {elapsed:.3f} s (target < {TARGET_SECONDS:.1f} s) {verdict}"
    )
    return 0 if elapsed < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
