"""Event queries on 1,000,000 events: a 7-day window and ranked two-word searches, service layer vs raw SQL.

Run by hand: `.venv/bin/python bench/events_query.py [--events 1000000] [--db PATH] [--runs 300]`, or on
PostgreSQL with `--database-url postgresql://user@host:port/postgres` (any database of the server: the bench
creates and keeps its own, `bench_search_<fingerprint>`).
SQLite: the database is generated once (executemany in 50,000-row transactions, FTS index rebuilt in one
pass) and cached at --db (default under /tmp); a cached file is reused when it holds enough events and every
index. PostgreSQL: the same events are loaded with COPY in one transaction (indexes built afterwards) into a
database named by a fingerprint of the event count, the generator and the migrations' text, which later runs
reuse.

Each measurement alternates a service call (`list_events`, then the session is removed as at the end of an
API request) with the same statements the service issues, run in raw SQL (sqlite3, or psycopg directly) on
the same database, so load from other processes hits both sides alike. Workloads:
- window: page 1 (100 rows) of the 7-day window starting at a random day, plus total_count.
- search: page 1 of a search over every event; two words taken from a random stored event (what a user
  who remembers an event types), the second cut to a prefix. Every such search has at least one match.
- common-word search: two of the 20 most frequent words (tens to hundreds of thousands of matches).
Targets: service p99 within 2x of raw SQL p99; window p99 < 20 ms; ranked search p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import itertools
import random
import re
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Event  # noqa: E402
from app.schema import MIGRATIONS, revision_module  # noqa: E402
from app.services import events as event_service  # noqa: E402
from app.services import search, search_bits, search_postgresql, search_sqlite  # noqa: E402
from app.services.search import search_words  # noqa: E402

FIRST_DAY = date(2026, 1, 1)
DAYS = 5 * 365
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
WORD_COUNT = 5000
STAMP = "%Y-%m-%d %H:%M:%S.%f"
WINDOW_TARGET_MS, SEARCH_TARGET_MS, FACTOR = 20.0, 50.0, 2.0
DEFAULT_DB = Path("/tmp/chronos-bench-events-1m/chronos.db")
WARM_UP = 20
COUNTER = ThreadPoolExecutor(max_workers=1)
# Changes whenever generated_rows would make other rows (part of the PostgreSQL database's name).
GENERATOR = "zipf-5000-v1"
COLUMNS = (
    "title, description, location, start_time, end_time, all_day, all_day_date, timezone, calendar_id, "
    "source, external_id, attendees, tags, priority, event_type, status, problems, created_at, updated_at"
)


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


def generated_rows(count: int, seed: int = 7) -> Iterator[tuple[object, ...]]:
    """`count` events as rows of COLUMNS (times in the stored text form): Zipf-like words, 0.2% of them
    lasting days, the rest up to 90 minutes, spread over five years."""
    rng = random.Random(seed)
    words, weights = vocabulary(random.Random(1))
    now = datetime.now(UTC).strftime(STAMP)
    start_day = datetime.combine(FIRST_DAY, datetime.min.time(), UTC)
    for _ in range(count):
        start = start_day + timedelta(days=rng.randrange(DAYS), minutes=15 * rng.randrange(24 * 4))
        long = rng.random() < 0.002
        length = timedelta(days=rng.randint(1, 14)) if long else timedelta(minutes=rng.choice((15, 30, 45, 60, 90)))
        title = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(2, 5)))
        description = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(0, 12)))
        yield (
            title,
            description,
            "",
            start.strftime(STAMP),
            (start + length).strftime(STAMP),
            0,
            None,
            "UTC",
            rng.choice(("primary", "work", "local")),
            "local",
            None,
            "[]",
            "[]",
            "MEDIUM",
            "meeting",
            "scheduled",
            "[]",
            now,
            now,
        )


def generate(db_path: Path, count: int) -> None:
    """Fill the SQLite events table with `count` generated events; the FTS index is rebuilt once at the end."""
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    for trigger in ("events_fts_insert", "events_fts_delete", "events_fts_update"):
        con.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    rows = generated_rows(count)
    while batch := list(itertools.islice(rows, 50_000)):
        con.executemany(f"INSERT INTO events ({COLUMNS}) VALUES ({', '.join('?' * 19)})", batch)  # noqa: S608
        con.commit()
    con.execute("INSERT INTO events_fts(events_fts) VALUES ('rebuild')")
    for statement in revision_module("0001").SQLITE_SEARCH[2:]:  # the triggers
        con.execute(statement)
    con.commit()
    con.execute("ANALYZE")
    con.close()


def cached(db_path: Path, count: int) -> bool:
    """True when the file holds `count` events and every index the models declare."""
    if not db_path.exists():
        return False
    con = sqlite3.connect(db_path)
    try:
        names = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        from app.models import Event

        wanted = {index.name for index in Event.__table__.indexes}
        # The search index needs no check: opening the app rebuilds one of an earlier definition.
        return wanted <= names and con.execute("SELECT count(*) FROM events").fetchone()[0] == count
    except sqlite3.Error:
        return False
    finally:
        con.close()


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p99 and p90 of samples in ms."""
    samples = sorted(samples)

    def rank(share: float) -> float:
        return samples[min(len(samples) - 1, int(len(samples) * share))]

    return statistics.median(samples), rank(0.99), rank(0.90)


def interleaved(
    runs: int, service: Callable[[int], object], raw: Callable[[int], object]
) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """p50/p99 in ms of the service and of raw SQL, called in alternating order after a warm-up."""
    for n in range(WARM_UP):
        service(n)
        raw(n)
    times: dict[Callable[[int], object], list[float]] = {service: [], raw: []}
    for n in range(runs):
        for func in (service, raw) if n % 2 else (raw, service):
            began = time.perf_counter()
            func(WARM_UP + n)
            times[func].append((time.perf_counter() - began) * 1000)
    return percentiles(times[service]), percentiles(times[raw])


# The statements the service issues for a window page on SQLite: the counts of events carried over from before
# the window (their start bounded below by the longest event) and of events starting inside it, then one read
# of the page, each set's slice taken in index order.
RAW_FLOOR = (
    "strftime('%Y-%m-%d %H:%M:%f', julianday(:lo) - "
    "(SELECT max(julianday(end_time) - julianday(start_time)) FROM events) - 1.0 / 86400)"
)
RAW_CARRIED = f"SELECT id FROM events WHERE start_time < :lo AND end_time > :lo AND start_time >= {RAW_FLOOR}"  # noqa: S608
RAW_COUNTS = (
    f"SELECT (SELECT count(*) FROM events WHERE id IN ({RAW_CARRIED})), "  # noqa: S608
    "(SELECT count(*) FROM events WHERE start_time >= :lo AND start_time < :hi)"
)
RAW_PAGE = f"""
SELECT * FROM events
WHERE id IN (SELECT id FROM events WHERE id IN ({RAW_CARRIED}) ORDER BY start_time, id LIMIT :carried)
OR id IN (SELECT id FROM events WHERE start_time >= :lo AND start_time < :hi ORDER BY start_time, id LIMIT :starters)
ORDER BY start_time, id"""  # noqa: S608
# The statements of a search page: the newest RANK_LIMIT matches, a full count only when there are more,
# bm25 over the newest ones, and (when the page runs past them) older matches newest first.
RAW_NEWEST = "SELECT rowid FROM events_fts WHERE events_fts MATCH :match ORDER BY rowid DESC LIMIT :limit"
RAW_COUNT = "SELECT count(*) FROM events_fts WHERE events_fts MATCH :match"
RAW_RANKED = f"""
SELECT e.* FROM events e JOIN events_fts ON events_fts.rowid = e.id WHERE events_fts MATCH :match
AND events_fts.rowid >= :lowest ORDER BY bm25(events_fts, {search_sqlite.TITLE_WEIGHT},
{search_sqlite.DESCRIPTION_WEIGHT}, {search_sqlite.LOCATION_WEIGHT}), e.id DESC LIMIT 100"""  # noqa: S608


class SQLiteRaw:
    """The service's statements through sqlite3; a search's count runs on a second connection, as there."""

    def __init__(self, path: Path) -> None:
        self.raw = sqlite3.connect(path)
        self.beside = sqlite3.connect(path, check_same_thread=False)

    def one(self, statement: str, params: dict[str, object] | tuple[object, ...] = ()) -> tuple[object, ...]:
        return self.raw.execute(statement, params).fetchone()

    def window(self, anchor: date) -> object:
        lo = datetime.combine(anchor, datetime.min.time())
        params = {"lo": lo.strftime(STAMP), "hi": (lo + timedelta(days=7)).strftime(STAMP)}
        carried, starters = self.raw.execute(RAW_COUNTS, params).fetchone()
        page = min(carried, 100)
        rows = self.raw.execute(RAW_PAGE, {**params, "carried": page, "starters": 100 - page}).fetchall()
        return rows, carried + starters

    def search(self, text: str) -> object:
        def next_term(low: str, high: str) -> str | None:
            row = self.raw.execute(search_sqlite.NEXT_TERM_SQL, {"low": low, "high": high}).fetchone()
            return row[0] if row else None

        match = search_sqlite.match_expression(text, next_term)
        newest = [row[0] for row in self.raw.execute(RAW_NEWEST, {"match": match, "limit": search.RANK_LIMIT})]
        count = (
            COUNTER.submit(lambda: self.beside.execute(RAW_COUNT, {"match": match}).fetchone()[0])
            if len(newest) >= search.RANK_LIMIT
            else None
        )
        # Page 1 of 100 rows always fits in the ranked set (RANK_LIMIT >= 100), as in the service.
        rows = self.raw.execute(RAW_RANKED, {"match": match, "lowest": newest[-1]}).fetchall() if newest else []
        return rows, count.result() if count else len(newest)


# The same statements on PostgreSQL: the carried-over events' start is bounded by the longest span (an
# expression index), the page is the union of each set's slice; search filters with the GIN-indexed
# search_vector and ranks with ts_rank.
PG_COLUMNS = ", ".join(column.name for column in Event.__table__.c)
PG_CARRIED = (
    "SELECT id FROM events WHERE start_time < %(lo)s AND end_time > %(lo)s AND start_time >= "
    "%(lo)s - (SELECT max(end_time - start_time) FROM events)"
)
PG_COUNTS = (
    f"SELECT ({PG_CARRIED.replace('SELECT id', 'SELECT count(*)')}), "  # noqa: S608
    "(SELECT count(*) FROM events WHERE start_time >= %(lo)s AND start_time < %(hi)s)"
)
PG_PAGE = f"""
SELECT {PG_COLUMNS} FROM events WHERE id IN (
({PG_CARRIED} ORDER BY start_time, id LIMIT %(carried)s)
UNION ALL
(SELECT id FROM events WHERE start_time >= %(lo)s AND start_time < %(hi)s ORDER BY start_time, id LIMIT %(starters)s))
ORDER BY start_time, id"""  # noqa: S608
PG_QUERY = f"to_tsquery('{search_postgresql.CONFIGURATION}', %(required)s)"
PG_NEWEST = f"SELECT id FROM events WHERE search_vector @@ {PG_QUERY} ORDER BY id DESC LIMIT %(limit)s"  # noqa: S608
PG_COUNT = f"SELECT count(*) FROM events WHERE search_vector @@ {PG_QUERY}"  # noqa: S608
PG_RANKED = f"""
SELECT {PG_COLUMNS} FROM events WHERE id = ANY(%(newest)s)
ORDER BY ts_rank('{{0, 0.1, 0.4, 1.0}}', search_vector, to_tsquery('{search_postgresql.CONFIGURATION}',
%(ranking)s)) DESC, id DESC LIMIT 100"""  # noqa: S608


class PostgresRaw:
    """The service's statements through psycopg; a search's newest matches and count come from the word bitmaps,
    as there."""

    def __init__(self, url: str) -> None:
        # Without server-side prepared statements, as the app's connections (app.db.engine_options).
        self.raw = psycopg.connect(url, autocommit=True, prepare_threshold=None)
        self.beside = psycopg.connect(url, autocommit=True, prepare_threshold=None)

    def one(self, statement: str, params: dict[str, object] | tuple[object, ...] = ()) -> tuple[object, ...]:
        return self.raw.execute(statement.replace("?", "%s"), params).fetchone()

    def window(self, anchor: date) -> object:
        lo = datetime.combine(anchor, datetime.min.time())
        params = {"lo": lo, "hi": lo + timedelta(days=7)}
        carried, starters = self.raw.execute(PG_COUNTS, params).fetchone()
        page = min(carried, 100)
        rows = self.raw.execute(PG_PAGE, {**params, "carried": page, "starters": 100 - page}).fetchall()
        return rows, carried + starters

    def search(self, text: str) -> object:
        required, ranking = search_postgresql.expression(search_words(text))
        params = {"required": required, "ranking": ranking, "limit": search.RANK_LIMIT}
        parsed = self.raw.execute(_pyformat(search_bits.PARSE), params).fetchone()[0]
        terms = search_bits.plain_terms(parsed)
        if terms is None:  # as the service, GIN's way
            newest = [row[0] for row in self.raw.execute(PG_NEWEST, params)]
            count = self.beside.execute(PG_COUNT, params).fetchone()[0] if len(newest) >= search.RANK_LIMIT else None
        else:
            statement, values = search_bits.matches_statement(terms)
            rows = self.raw.execute(_pyformat(statement), {**params, **values}).fetchall()
            newest, count = search_bits.newest_first(rows, search.RANK_LIMIT)
        rows = self.raw.execute(PG_RANKED, {**params, "newest": newest}).fetchall() if newest else []
        return rows, count if len(newest) >= search.RANK_LIMIT else len(newest)


def _pyformat(statement: str) -> str:
    """SQLAlchemy's :name parameters in psycopg's %(name)s style (the texts hold no other colon or percent)."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", statement.replace("%", "%%"))


def postgres_database(server_url: str, count: int) -> str:
    """The URL of the bench's database on that server, named by what it holds; created when missing."""
    schema = b"".join(path.read_bytes() for path in sorted((MIGRATIONS / "versions").glob("*.py")))
    fingerprint = hashlib.sha256(f"{count}/{GENERATOR}/".encode() + schema).hexdigest()[:12]
    name = f"bench_search_{fingerprint}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            connection.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name


# Built again after the COPY: building an index once is far cheaper than keeping it up row by row.
PG_LOAD_INDEXES = (
    "ix_events_search",
    "ix_events_span",
    "ix_events_start",
    "ix_events_start_end",
    "ix_events_end",
    "ix_events_calendar_id",
)


def fill_postgres(url: str, count: int) -> None:
    """Load `count` generated events with COPY in one transaction, so a broken run leaves no half table."""
    with psycopg.connect(url) as connection:
        definitions = [
            connection.execute("SELECT pg_get_indexdef(%s::regclass)", (name,)).fetchone()[0]
            for name in PG_LOAD_INDEXES
        ]
        connection.execute("SET LOCAL maintenance_work_mem = '1GB'")
        connection.execute("TRUNCATE events CASCADE")
        for name in PG_LOAD_INDEXES:
            connection.execute(f"DROP INDEX {name}")
        with connection.cursor().copy(f"COPY events ({COLUMNS}) FROM STDIN") as copy:
            for row in generated_rows(count):
                copy.write_row(row)
        for definition in definitions:
            connection.execute(definition)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) events")  # the visibility map lets index-only scans skip the table


def postgres_cached(url: str, count: int) -> bool:
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT count(*) FROM events").fetchone()[0] == count


def search_text(pair: list[str]) -> str:
    """Two words as a user types them: the second one unfinished (a prefix)."""
    first, second = pair
    return f"{first} {second[: max(3, len(second) - 2)]}"


def remembered_searches(raw: SQLiteRaw | PostgresRaw, rng: random.Random, count: int) -> list[str]:
    """Two different words from each of `count` random stored events."""
    top = raw.one("SELECT max(id) FROM events")[0]
    found: list[str] = []
    while len(found) < count:
        row = raw.one("SELECT title || ' ' || description FROM events WHERE id = ?", (rng.randint(1, top),))
        words = sorted(set(row[0].split())) if row else []
        if len(words) >= 2:
            found.append(search_text(rng.sample(words, 2)))
    return found


def report(name: str, service: tuple[float, float, float], raw: tuple[float, float, float], target: float) -> bool:
    within = service[1] <= FACTOR * raw[1]
    fast = service[1] < target
    print(
        f"{name}: service p50 {service[0]:.1f} ms p99 {service[1]:.1f} ms (p90 {service[2]:.1f}) | raw SQL "
        f"p50 {raw[0]:.1f} ms p99 {raw[1]:.1f} ms (p90 {raw[2]:.1f}) | p99 < {target:g} ms: "
        f"{'PASS' if fast else 'FAIL'} | p99 <= {FACTOR:g}x raw "
        f"({service[1] / raw[1]:.2f}x): {'PASS' if within else 'FAIL'}",
        flush=True,
    )
    return within and fast


def prepared(args: argparse.Namespace) -> tuple[object, SQLiteRaw | PostgresRaw]:
    """The app and the raw side over a database holding the generated events (made now or reused)."""
    began = time.perf_counter()
    if args.database_url:
        url = postgres_database(args.database_url, args.events)
        instance = Path("/tmp/chronos-bench-events-postgresql")
    else:
        args.db.parent.mkdir(parents=True, exist_ok=True)
        url, instance = f"sqlite:///{args.db}", args.db.parent
    app = create_app(
        {
            "app": {"env": "test", "instance_path": str(instance)},
            "api": {"api_key": "bench-key-0123"},
            "database": {"url": url},
            "calendar": {"source": "demo"},
            "logging": {"level": "WARNING"},
        }
    )
    if args.database_url:
        if not postgres_cached(url, args.events):
            fill_postgres(url, args.events)
            print(f"loaded {args.events} events in {time.perf_counter() - began:.0f} s", flush=True)
        with app.app_context():
            began = time.perf_counter()
            search_bits.rebuild_all()  # what the daemon does after a load
            print(f"word bitmaps up to date after {time.perf_counter() - began:.1f} s", flush=True)
        print(f"database {url}", flush=True)
        return app, PostgresRaw(url)
    if not cached(args.db, args.events):
        raw = sqlite3.connect(args.db)
        raw.execute("DELETE FROM events")
        raw.commit()
        raw.close()
        generate(args.db, args.events)
        print(f"generated {args.events} events in {time.perf_counter() - began:.0f} s", flush=True)
    return app, SQLiteRaw(args.db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="SQLite database file to create or reuse")
    parser.add_argument("--database-url", help="a PostgreSQL server (postgresql://...): bench it instead of SQLite")
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    began = time.perf_counter()
    app, raw = prepared(args)
    # As wsgi.py does for the web server once it has started: keep the set-up objects out of the collector's
    # full passes, each of which would otherwise add tens of milliseconds to one call now and then.
    gc.collect()
    gc.freeze()
    rng = random.Random(11)
    size = args.runs + WARM_UP
    anchors = [FIRST_DAY + timedelta(days=rng.randrange(60, DAYS - 60)) for _ in range(size)]
    words, _weights = vocabulary(random.Random(1))
    remembered = remembered_searches(raw, rng, size)
    common = [search_text(rng.sample(words[:20], 2)) for _ in range(size)]
    print(
        f"{'PostgreSQL' if args.database_url else 'SQLite'}: {args.events} events, {args.runs} runs per query "
        f"after {WARM_UP} warm-up; searches rank at most {search.RANK_LIMIT} matches (the newest stored), "
        "total_count counts all",
        flush=True,
    )

    def service(call: Callable[[int], object]) -> Callable[[int], object]:
        def run(n: int) -> object:
            result = call(n)
            db.session.remove()  # as at the end of an API request
            return result

        return run

    results = []
    with app.app_context():
        window = interleaved(
            args.runs,
            service(lambda n: event_service.list_events(anchor=anchors[n], range_days=7)),
            lambda n: raw.window(anchors[n]),
        )
        results.append(report("7-day window, page of 100", *window, WINDOW_TARGET_MS))
        for name, texts in (
            ("ranked 2-word search, words of a stored event", remembered),
            ("ranked 2-word search, two of the 20 commonest words", common),
        ):
            measured = interleaved(
                args.runs,
                service(lambda n, texts=texts: event_service.list_events(q=texts[n], range_days=-1, direction="all")),
                lambda n, texts=texts: raw.search(texts[n]),
            )
            results.append(report(name, *measured, SEARCH_TARGET_MS))
    print(f"{'ALL PASS' if all(results) else 'SOME FAIL'} in {time.perf_counter() - began:.0f} s", flush=True)


if __name__ == "__main__":
    main()
