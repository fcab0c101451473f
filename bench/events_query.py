"""Event queries on a large database: a 7-day window and a ranked two-word search, service layer vs raw SQL.

Run by hand: `.venv/bin/python bench/events_query.py [--events 1000000] [--db PATH] [--runs 300]`.
The database is generated once (bulk insert, FTS index rebuilt in one pass) and reused when --db names an
existing file with enough events. Prints one summary line per query.
Targets (issue 3): window p99 < 20 ms, ranked search p99 < 50 ms, service-layer p99 within 2x of raw SQL.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.db import FTS_SCHEMA  # noqa: E402
from app.services import events as event_service  # noqa: E402
from app.services.search import match_expression  # noqa: E402

FIRST_DAY = date(2026, 1, 1)
DAYS = 5 * 365
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
WORD_COUNT = 5000


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Pseudo-words and their cumulative Zipf-like weights, like the words of real calendar entries."""
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < WORD_COUNT:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words, list(itertools.accumulate(1.0 / rank for rank in range(1, WORD_COUNT + 1)))


STAMP = "%Y-%m-%d %H:%M:%S.%f"
WINDOW_TARGET_MS, SEARCH_TARGET_MS, FACTOR = 20.0, 50.0, 2.0


def generate(db_path: Path, count: int, seed: int = 7) -> None:
    """Fill the events table with `count` generated events; the FTS index is rebuilt once at the end."""
    rng = random.Random(seed)
    words, weights = vocabulary(random.Random(1))
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    for trigger in ("events_fts_insert", "events_fts_delete", "events_fts_update"):
        con.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    now = datetime.now(UTC).strftime(STAMP)
    start_day = datetime.combine(FIRST_DAY, datetime.min.time(), UTC)
    batch = []
    for n in range(count):
        start = start_day + timedelta(days=rng.randrange(DAYS), minutes=15 * rng.randrange(24 * 4))
        long = rng.random() < 0.002
        length = timedelta(days=rng.randint(1, 14)) if long else timedelta(minutes=rng.choice((15, 30, 45, 60, 90)))
        title = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(2, 5)))
        description = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(0, 12)))
        batch.append((title, description, "", start.strftime(STAMP), (start + length).strftime(STAMP), 0, None,
                      "UTC", rng.choice(("primary", "work", "local")), "local", None, "[]", "[]", "MEDIUM",
                      "meeting", "scheduled", "[]", now, now))
        if len(batch) == 50_000 or n == count - 1:
            con.executemany(
                "INSERT INTO events (title, description, location, start_time, end_time, all_day, all_day_date, "
                "timezone, calendar_id, source, external_id, attendees, tags, priority, event_type, status, "
                "problems, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
            con.commit()
            batch = []
    con.execute("INSERT INTO events_fts(events_fts) VALUES ('rebuild')")
    for statement in FTS_SCHEMA[1:]:
        con.execute(statement)
    con.commit()
    con.execute("ANALYZE")
    con.close()


def measure(runs: int, func: Callable[[int], object]) -> tuple[float, float]:
    """p50 and p99 in milliseconds of `runs` calls (after a few warm-up calls)."""
    for n in range(5):
        func(n)
    samples = []
    for n in range(runs):
        began = time.perf_counter()
        func(n)
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


# The window as the service reads it: events carried over from before the window, then events starting in it.
RAW_CARRIED = """SELECT id FROM events WHERE start_time < :lo AND end_time > :lo AND start_time >= :floor"""
RAW_CARRIED_ROWS = f"SELECT * FROM events WHERE id IN ({RAW_CARRIED}) ORDER BY start_time, id LIMIT 100"  # noqa: S608
RAW_CARRIED_COUNT = f"SELECT count(*) FROM ({RAW_CARRIED})"  # noqa: S608
RAW_STARTERS_ROWS = """
SELECT * FROM events WHERE start_time >= :lo AND start_time < :hi ORDER BY start_time, id LIMIT :limit"""
RAW_STARTERS_COUNT = "SELECT count(*) FROM events WHERE start_time >= :lo AND start_time < :hi"
RAW_SEARCH = """
SELECT e.*, bm25(events_fts, 10.0, 3.0, 1.0) AS rank FROM events_fts JOIN events e ON e.id = events_fts.rowid
WHERE events_fts MATCH :match ORDER BY rank, e.start_time, e.id LIMIT 100"""
RAW_SEARCH_COUNT = "SELECT count(*) FROM events_fts WHERE events_fts MATCH :match"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None, help="database file to create or reuse")
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    instance = args.db.parent if args.db else Path(tempfile.mkdtemp(prefix="chronos-bench-"))
    db_path = args.db or instance / "chronos.db"
    app = create_app({"app": {"env": "test", "instance_path": str(instance)}, "api": {"api_key": "bench-key-0123"},
                      "database": {"url": f"sqlite:///{db_path}"}, "calendar": {"source": "demo"},
                      "logging": {"level": "WARNING"}})
    raw = sqlite3.connect(db_path)
    if raw.execute("SELECT count(*) FROM events").fetchone()[0] < args.events:
        raw.execute("DELETE FROM events")
        raw.commit()
        began = time.perf_counter()
        generate(db_path, args.events)
        print(f"generated {args.events} events in {time.perf_counter() - began:.0f} s", flush=True)
    rng = random.Random(11)
    anchors = [FIRST_DAY + timedelta(days=rng.randrange(60, DAYS - 60)) for _ in range(args.runs + 5)]
    words, _weights = vocabulary(random.Random(1))
    # Typical searches: two words picked at random from the vocabulary, the second one cut to a prefix.
    typical = [search_text(rng.sample(words, 2)) for _ in range(args.runs + 5)]
    # Common searches: two of the 20 most frequent (stop-word-like) words; reported, no target.
    common = [search_text(rng.sample(words[:20], 2)) for _ in range(args.runs + 5)]

    with app.app_context():
        window = measure(args.runs, lambda n: event_service.list_events(anchor=anchors[n], range_days=7))
        searches = [measure(args.runs, lambda n, queries=queries: event_service.list_events(
            q=queries[n], range_days=-1, direction="all")) for queries in (typical, common)]

    def raw_window(n: int) -> object:
        lo = datetime.combine(anchors[n], datetime.min.time())
        span = raw.execute("SELECT max(julianday(end_time) - julianday(start_time)) FROM events").fetchone()[0]
        params = {"lo": lo.strftime(STAMP), "hi": (lo + timedelta(days=7)).strftime(STAMP),
                  "floor": (lo - timedelta(days=span, seconds=1)).strftime(STAMP)}
        total = raw.execute(RAW_CARRIED_COUNT, params).fetchone()[0] + raw.execute(
            RAW_STARTERS_COUNT, params).fetchone()[0]
        rows = raw.execute(RAW_CARRIED_ROWS, params).fetchall()
        rows += raw.execute(RAW_STARTERS_ROWS, {**params, "limit": 100 - len(rows)}).fetchall()
        return rows, total

    def raw_search(queries: list[str]) -> Callable[[int], object]:
        def run(n: int) -> object:
            match = {"match": match_expression(queries[n])}
            return raw.execute(RAW_SEARCH, match).fetchall(), raw.execute(RAW_SEARCH_COUNT, match).fetchone()
        return run

    report("7-day window", window, measure(args.runs, raw_window), WINDOW_TARGET_MS)
    report("ranked 2-word search", searches[0], measure(args.runs, raw_search(typical)), SEARCH_TARGET_MS)
    report("ranked 2-word search, most common words", searches[1], measure(args.runs, raw_search(common)), None)


def search_text(pair: list[str]) -> str:
    first, second = pair
    return f"{first} {second[: max(3, len(second) - 2)]}"


def report(name: str, service: tuple[float, float], raw: tuple[float, float], target: float | None) -> None:
    line = (f"{name}: service p50 {service[0]:.1f} ms p99 {service[1]:.1f} ms | raw SQL p50 {raw[0]:.1f} ms "
            f"p99 {raw[1]:.1f} ms")
    if target is not None:
        ok = service[1] < target and service[1] <= FACTOR * raw[1]
        line += f" | target p99 < {target:g} ms and <= {FACTOR:g}x raw: {'PASS' if ok else 'FAIL'}"
    print(line, flush=True)


if __name__ == "__main__":
    main()
