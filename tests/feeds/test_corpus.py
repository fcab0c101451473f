"""Every ICS test calendar of icalendar and recurring-ical-events, served on 127.0.0.1 and synced through the
real ICS source and sync into the database: none crashes the sync, none loses events silently.

Per file and UID: stored + skipped (as reported in the calendar's problems) = the occurrences that
recurring-ical-events computes on its own over the same window. A UID it cannot expand must be named in a
problem; a file it cannot read at all must fail with a clear message or report its problems.
"""

from __future__ import annotations

import time
import warnings

from sqlalchemy import select

from app.config import current_settings
from app.extensions import db
from app.models import Event, SyncState
from app.services.sync import sync_calendar
from app.sources import registry
from app.sources.base import SyncWindow
from app.sources.ics_parse import GENERATED_UID_PREFIX
from tests.feeds.corpus import NO_UID, corpus_files, reference, window_for


def group_of(uid: str) -> str:
    return NO_UID if uid.startswith(GENERATED_UID_PREFIX) else uid


def test_every_shipped_test_calendar_syncs_without_losing_events(make_app, feed_server, capsys):
    files = corpus_files()
    assert len(files) > 200, "the packages' test calendars were not found"
    names = {f"c{index:03d}": path for index, path in enumerate(files)}
    feeds = [{"id": cid, "url": feed_server.add(f"/{cid}.ics", path.read_bytes())} for cid, path in names.items()]
    app = make_app({"calendar": {"source": "ics", "ics_feeds": feeds, "fetch_timeout_seconds": 20}})
    rows, failures = [], []
    started = time.monotonic()
    with app.app_context(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # icalendar warns about vendor time zone ids it has to guess
        source = registry.build_source(current_settings())
        for cid, path in names.items():
            data = path.read_bytes()
            start, end = window_for(data.decode("utf-8", "replace"))
            counts, error, problems = sync_calendar(source, cid, SyncWindow(start, end))
            db.session.rollback()
            stored = list(
                db.session.execute(select(Event.external_id, Event.recurring_event_id).where(Event.calendar_id == cid))
            )
            state = db.session.get(SyncState, cid)
            ref = reference(data, start, end)
            short = f"{path.parent.name}/{path.name}"
            verdict = check(ref, stored, problems, error, counts, state)
            expected = sum(n for n in (ref.counts.values() if ref else []) if n is not None)
            skipped = sum(p["skipped"] or 0 for p in problems)
            rows.append((short, expected, len(stored), skipped, len(problems), error or ""))
            if verdict:
                failures.append(f"{short}: {verdict}")
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\n{'file':62} {'expected':>8} {'stored':>7} {'skipped':>7} {'problems':>8}  error")
        for short, expected, stored, skipped, problems, error in rows:
            print(f"{short[:62]:62} {expected:8} {stored:7} {skipped:7} {problems:8}  {error[:70]}")
        totals = [sum(row[i] for row in rows) for i in (1, 2, 3, 4)]
        errors = sum(1 for row in rows if row[5])
        print(
            f"{len(rows)} files in {elapsed:.1f} s: expected {totals[0]}, stored {totals[1]}, skipped {totals[2]}, "
            f"problems {totals[3]}, feed errors {errors}, failures {len(failures)}"
        )
    assert not failures, "\n".join(failures)


def check(ref, stored, problems, error, counts, state) -> str | None:
    """What is wrong with one file's sync (None: nothing)."""
    if error is not None and not error.startswith("ICS feed"):
        return f"the sync failed with an unclear error: {error}"
    if counts.events_created != len(stored):
        return f"counted {counts.events_created} created but stored {len(stored)}"
    if state.status != ("error" if error else "ok"):
        return f"calendar status {state.status!r} with error {error!r}"
    if ref is None:
        return None if error or problems else "unreadable for the reference, yet neither an error nor a problem"
    if error:
        return f"the reference reads it, the sync failed: {error}"
    stored_by: dict[str, int] = {}
    for external_id, recurring_id in stored:
        uid = group_of(recurring_id or external_id)
        stored_by[uid] = stored_by.get(uid, 0) + 1
    skipped_by: dict[str, int | None] = {}
    named = set()
    for problem in problems:
        uid = group_of(problem["uid"])
        named.add(uid)
        before = skipped_by.get(uid, 0)
        skipped_by[uid] = None if before is None or problem["skipped"] is None else before + problem["skipped"]
    for uid, expected in ref.counts.items():
        if expected is None:
            if uid not in named:
                return f"UID {uid!r} cannot be expanded, yet no problem names it"
            continue
        skipped = skipped_by.get(uid, 0)
        if uid == NO_UID and ref.unexpandable_without_uid:
            skipped = sum(p["skipped"] or 0 for p in problems if group_of(p["uid"]) == NO_UID)
        if skipped is None or stored_by.get(uid, 0) + skipped != expected:
            return f"UID {uid!r}: expected {expected}, stored {stored_by.get(uid, 0)}, skipped {skipped}"
    if ref.unexpandable_without_uid and skipped_by.get(NO_UID, 0) is not None:
        return f"{ref.unexpandable_without_uid} components without a UID cannot be expanded, yet no problem says so"
    unknown = set(stored_by) - set(ref.counts)
    return f"stored events of unknown UIDs {sorted(unknown)[:3]}" if unknown else None
