"""Calendar sync: pages from the source through the plugin pipeline into the store, crash-safe and idempotent.

Each page is stored in one write transaction; the cursor (sync token) is written with the last page only,
so a sync killed at any point is simply done again and the (calendar, external id) upserts absorb it.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.config import current_settings
from app.db import write_transaction
from app.errors import UnavailableError
from app.extensions import db
from app.models import SyncJob, SyncState
from app.redact import without_credentials
from app.services import sync_jobs, sync_lock, sync_outbox
from app.services.calendars import list_calendars
from app.services.heartbeat import SchedulerStatus, daemon_is_fresh, scheduler_status
from app.services.sync_plan import outbox_calendars, plan_run
from app.services.sync_store import COUNT_FIELDS, SyncCounts, apply_page, reconcile
from app.sources import registry
from app.sources.base import (
    AuthorizationLost,
    CalendarSource,
    SourceError,
    SyncTokenExpired,
    SyncWindow,
    deadline_left,
    sync_deadline,
)
from app.timeutil import utcnow

log = logging.getLogger("chronos.sync")


def run_sync(
    days_ahead: int = 7,
    force_refresh: bool = False,
    calendar_id: str | None = None,
    *,
    source: CalendarSource | None = None,
    lock_wait: float = 0,
) -> dict[str, Any]:
    """Sync every calendar of every account (or one calendar); the counts of the run, plus "error" when a
    calendar failed. Each calendar is synced with its own account's source; a failing account stops no other.

    `source`: sync with this source instead of the configured accounts. `lock_wait`: how long to wait for a
    calendar that another daemon is syncing (0: skip it with an error).
    """
    settings = current_settings()
    totals: dict[str, Any] = dict.fromkeys(COUNT_FIELDS, 0)
    if source is not None:
        built = [registry.BuiltAccount(registry.accounts(settings)[0], source)]
    else:
        built = registry.build_sources(settings)
    window = sync_window(days_ahead, settings.calendar.sync_past_days)
    per_calendar: dict[str, dict] = {}
    problems: list[dict] = []
    with sync_deadline(settings.sync.deadline_seconds):  # finding an account's calendars is bounded too
        plan = plan_run(built, calendar_id)
        if plan.unknown:
            return {**totals, "pending_upstream": sync_outbox.pending_count(), "error": plan.unknown}
        errors = list(plan.refused)
        for account, calendars, failure in plan.failed:
            _record_account_error(account, calendars, failure)
            errors.extend(f"{c}: {without_credentials(str(failure))}" for c in calendars or [account.name])
        for work in plan.work:
            sync_outbox.flush_due(work.source, calendars=outbox_calendars(work.source))
            for calendar in work.calendars:
                counts, error, skipped = sync_calendar(
                    work.source, calendar, window, force_refresh, lock_wait, account=work.account.name
                )
                per_calendar[calendar] = {**counts.as_dict(), "error": error, "problems": skipped}
                problems.extend({"calendar_id": calendar, **problem} for problem in skipped)
                for name in COUNT_FIELDS:
                    totals[name] += getattr(counts, name)
                if error:
                    errors.append(f"{calendar}: {error}")
    for work in plan.work:
        sync_outbox.flush_due(work.source, calendars=outbox_calendars(work.source))  # what this run consumed
    totals["pending_upstream"] = sync_outbox.pending_count()
    totals["calendars"] = per_calendar
    totals["problems"] = problems
    if errors:
        totals["error"] = "; ".join(errors)
    log.info("sync finished: %s", {k: v for k, v in totals.items() if k != "calendars"})
    return totals


def _record_account_error(account: registry.AccountSpec, calendars: list[str], error: SourceError) -> None:
    """Mark the calendars of an account that could not sync (the plan names a row after the account when no
    calendar of it is known yet, so its status still shows why)."""
    status = "disconnected" if isinstance(error, AuthorizationLost) else "error"
    message = without_credentials(str(error))
    for calendar in calendars:
        _finish_state(calendar, account.type, status, message, None, keep_token=True, account=account.name)


def sync_window(days_ahead: int, past_days: int) -> SyncWindow:
    """From now − calendar.sync_past_days to days_ahead days from now."""
    now = utcnow()
    return SyncWindow(start=now - timedelta(days=past_days), end=now + timedelta(days=days_ahead))


def sync_calendar(
    source: CalendarSource,
    calendar_id: str,
    window: SyncWindow,
    force_refresh: bool = False,
    lock_wait: float = 0,
    *,
    account: str | None = None,
) -> tuple[SyncCounts, str | None, list[dict]]:
    """One calendar under its lock: incremental when a token is stored, else a full listing that reconciles.

    With another daemon syncing the calendar, wait up to `lock_wait` seconds for it, then give up. Returns the
    counts (of what was written), the error, and the source's problems (items it skipped, and why).
    """
    counts = SyncCounts()
    problems: list[dict] = []
    left = deadline_left()
    if left is not None and left <= 0:
        return counts, f"not synced: this sync ran past its deadline ({_deadline_text()})", problems
    token = _prepare_state(calendar_id, source.name)
    wait = lock_wait if left is None else min(lock_wait, max(0.0, left))
    with sync_lock.calendar_lock(calendar_id, wait) as lock:
        if lock is None:
            return counts, f"another sync of calendar {calendar_id!r} is running", problems
        status, error, new_token = "ok", None, None
        try:
            try:
                new_token = _consume(
                    source, calendar_id, None if force_refresh else token, window, counts, lock, problems
                )
            except SyncTokenExpired:
                log.info("sync token of %s expired: full resync", calendar_id)
                _finish_state(calendar_id, source.name, None, None, None, keep_token=False)
                new_token = _consume(source, calendar_id, None, window, counts, lock, problems)
        except AuthorizationLost as exc:
            status, error = "disconnected", without_credentials(str(exc))
        except SourceError as exc:
            status, error = "error", without_credentials(_with_deadline(str(exc)))
        except Exception as exc:
            # Its text can hold SQL with an event's content, or a fetched body: the log keeps it, the calendar's
            # status (shown to people) names only the kind of failure.
            log.exception("sync of calendar %s failed", calendar_id)
            db.session.rollback()
            status, error = "error", f"unexpected {type(exc).__name__} while syncing; the daemon's log has the details"
        _finish_state(
            calendar_id,
            source.name,
            status,
            error,
            counts,
            keep_token=status != "ok",
            token=new_token,
            problems=problems,
            account=account,
        )
    return counts, error, problems


def _deadline_text() -> str:
    return f"sync.deadline_seconds = {current_settings().sync.deadline_seconds:g}"


def _with_deadline(message: str) -> str:
    """A source error raised because the sync's deadline passed says so (the setting to raise is named)."""
    left = deadline_left()
    if left is not None and left <= 0.05:
        return f"{message} The sync was stopped at its deadline ({_deadline_text()})."
    return message


def _consume(
    source: CalendarSource,
    calendar_id: str,
    token: str | None,
    window: SyncWindow,
    counts: SyncCounts,
    lock: sync_lock.CalendarLock,
    problems: list[dict],
) -> str | None:
    """Store every page; the last one also reconciles a full listing and saves the new token.

    The counts only ever include committed pages: a page whose transaction fails is taken back out of them.
    """
    for page in source.list_changes(calendar_id, token, window):
        left = deadline_left()
        if left is not None and left <= 0:
            raise SourceError(f"The sync was stopped at its deadline ({_deadline_text()}) before it was complete.")
        before = copy.deepcopy(counts)
        try:
            with write_transaction() as session:
                apply_page(session, page, calendar_id, source.name, counts)
                if page.last:
                    if page.full:
                        scope = window if source.lists_window_end else SyncWindow(window.start, None)
                        reconcile(session, calendar_id, source.name, scope, counts)
                    # The row exists: _prepare_state created it before the listing began.
                    session.get_one(SyncState, calendar_id).sync_token = page.next_sync_token
                lock.renew(session)
        except BaseException:
            counts.__dict__.update(before.__dict__)
            raise
        problems.extend(page.problems)
        if page.last:
            return page.next_sync_token
    return None


def _prepare_state(calendar_id: str, source: str) -> str | None:
    """Create the calendar's state row on first sight; its stored token (None after a source change)."""
    with write_transaction() as session:
        state = session.get(SyncState, calendar_id)
        if state is None:
            state = SyncState(calendar_id=calendar_id, source=source, status="never", last_counts={})
            session.add(state)
        if state.source != source:
            state.source, state.sync_token = source, None
        return state.sync_token


def _finish_state(
    calendar_id: str,
    source: str,
    status: str | None,
    error: str | None,
    counts: SyncCounts | None,
    *,
    keep_token: bool,
    token: str | None = None,
    problems: list[dict] | None = None,
    account: str | None = None,
) -> None:
    """Record how the run went (status None only drops the token); the source's problems and the account's
    name are kept with the counts (a JSON column), so the calendar's status shows them until the next run."""
    with write_transaction() as session:
        state = session.get(SyncState, calendar_id)
        if state is None:
            state = SyncState(calendar_id=calendar_id, source=source, status="never", last_counts={})
            session.add(state)
        if not keep_token:
            state.sync_token = token
        if status is not None:
            state.status, state.last_error = status, error
            state.last_sync_at = utcnow()
            known = (state.last_counts or {}).get("account")
            if status == "ok":
                state.last_success_at = state.last_sync_at
            if counts is not None:
                state.last_counts = {**counts.as_dict(), "problems": list(problems or [])}
            if account or known:
                state.last_counts = {**(state.last_counts or {}), "account": account or known}


def mark_disconnected(source: str, message: str) -> None:
    """Mark every calendar of a source disconnected (after the user removed its authorization)."""
    with write_transaction() as session:
        for state in session.execute(select(SyncState).where(SyncState.source == source)).scalars():
            state.status, state.last_error, state.sync_token = "disconnected", message, None


def retry_upstream_job() -> bool:
    """Daemon job: carry out due upstream operations of every account (asked often, so that a change made in
    the dashboard reaches its calendar within seconds; it only builds sources when something is due)."""
    if not sync_outbox.any_due():
        return False
    done = failed = 0
    for unit in registry.build_sources(current_settings()):
        if unit.source is not None:
            ok, bad = sync_outbox.flush_due(unit.source, calendars=outbox_calendars(unit.source))
            done, failed = done + ok, failed + bad
    return bool(done or failed)


def sync_overview() -> list[dict[str, Any]]:
    """Per calendar, for the dashboard: account, source, status, last sync, last error, last counts, pending
    upstream changes."""
    overview = []
    for item in list_calendars():
        state = item.state
        overview.append(
            {
                "calendar_id": item.id,
                "account": item.account,
                "source": item.type,
                "writable": item.writable,
                "status": item.status,
                "last_sync_at": state.last_sync_at if state else None,
                "last_error": state.last_error if state else None,
                "problems": list(item.counts.get("problems", [])),
                "last_counts": item.counts,
                "pending_upstream": sync_outbox.pending_count(calendar_id=item.id),
                "configured": item.configured,
            }
        )
    return overview


def health_details() -> dict[str, Any]:
    """For /health details: calendars of the accounts that are disconnected or failing, with their message (a
    calendar removed from the configuration no longer counts, whatever its last sync left behind)."""
    problems = [
        {"calendar_id": item.id, "source": item.type, "status": item.status, "message": item.state.last_error}
        for item in list_calendars()
        if item.configured and item.state is not None and item.status in ("disconnected", "error")
    ]
    return {"calendars": problems} if problems else {}


class DaemonNotRunningError(UnavailableError):
    """Nobody would carry out a sync request that someone waits for."""


def submit_sync(
    days_ahead: int, force_refresh: bool, calendar_id: str | None, wait: int | None
) -> tuple[bool, sync_jobs.JobReport]:
    """Queue a sync job for the daemon and optionally wait for it: (finished, the job's report).

    Waiting without a live daemon would only time out, so it is refused at once and nothing is queued.
    """
    fresh = daemon_is_fresh()
    if wait and not fresh:
        raise DaemonNotRunningError(
            "The sync daemon is not running (no fresh heartbeat), so nobody would carry out "
            "this sync; start it with `python -m daemon`."
        )
    job = sync_jobs.request_sync(days_ahead=days_ahead, force_refresh=force_refresh, calendar_id=calendar_id)
    if wait:
        job = wait_for_job(job.id, wait)
    warning = (
        None
        if fresh
        else "The sync daemon is not running (no fresh heartbeat): the job stays queued until `python -m daemon` runs."
    )
    return job.status in sync_jobs.FINISHED, sync_jobs.job_report(job, warning)


def wait_for_job(job_id: int, seconds: float, poll: float = 0.2) -> SyncJob:
    """Poll the job row (written by the daemon process) until it finishes or the time is up."""
    deadline = time.monotonic() + seconds
    while True:
        db.session.rollback()  # end the snapshot, so the daemon's commits become visible
        job = sync_jobs.get_job(job_id)
        if job.status in sync_jobs.FINISHED or time.monotonic() >= deadline:
            return job
        time.sleep(poll)


@dataclass(frozen=True)
class SyncHealth:
    """The sync health: the daemon's status and how many calendars are disconnected or failing; which ones and
    why (`calendars`) only when asked with details, since their messages can name feeds and accounts."""

    status: str
    scheduler: SchedulerStatus
    timestamp: datetime
    calendars_failing: int
    calendars: list[dict[str, Any]] | None


def sync_health(with_details: bool) -> SyncHealth:
    """Healthy while a daemon beats and no calendar is disconnected or failing."""
    scheduler = scheduler_status()
    problems = health_details().get("calendars", [])
    healthy = scheduler.is_running and not problems
    status = "healthy" if healthy else "degraded"
    return SyncHealth(status, scheduler, utcnow(), len(problems), problems if with_details else None)
