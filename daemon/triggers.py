"""The daemon's trigger thread: fires planned firings on time and sends webhook deliveries.

It runs beside the scheduler loop, so neither a slow sync nor a slow receiver delays a firing: it sleeps until
the next firing or delivery is due, re-reading the indexed earliest due time at least every second (firings
planned meanwhile by the web process are seen within that), and sends on a small pool of its own threads.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from app.extensions import db
from app.services import webhook_delivery, webhook_events, webhook_firings
from app.timeutil import utcnow
from daemon import jobs

log = logging.getLogger("chronos.daemon")

SENDERS = 8
# The longest sleep: how late a firing planned by another process may be noticed, beyond its due time.
RECHECK_SECONDS = 1.0
# The shortest sleep while work is due but every sender is busy (never a busy loop).
MIN_WAIT_SECONDS = 0.05


class TriggerWorker:
    """Owns the trigger thread and its senders; stops with the daemon's stop event."""

    def __init__(self, app, stop_event: threading.Event, senders: int = SENDERS) -> None:
        self.app = app
        self.stop_event = stop_event
        self.senders = senders
        self.pool = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="webhook-send")
        self.in_flight = 0
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._loop, name="webhook-triggers", daemon=True)
        # Set by a sender that finished (a slot is free for the next due delivery), and by join().
        self.wake = threading.Event()

    def start(self) -> None:
        self.thread.start()

    def join(self, seconds: float) -> None:
        """Wait for the loop to end and for sends under way to finish and be recorded."""
        self.wake.set()
        self.thread.join(timeout=seconds)
        self.pool.shutdown(wait=True)

    def _loop(self) -> None:
        with self.app.app_context():
            while not self.stop_event.is_set():
                jobs.run_recorded("webhook_triggers", self.work)
                self.wake.wait(self._wait_seconds())  # the stop event is seen within RECHECK_SECONDS
                self.wake.clear()

    def work(self) -> int:
        """Fire due firings, announce dead letters, hand due deliveries to free senders; returns how many fired or
        were announced (what the job record counts as work: dispatching alone would write one every few ms)."""
        fired = webhook_firings.fire_due()
        announced = webhook_events.announce_dead_letters()
        self._dispatch()
        return fired + announced

    def _dispatch(self) -> int:
        with self.lock:
            free = self.senders - self.in_flight
        if free <= 0 or self.stop_event.is_set():
            return 0
        claimed = webhook_delivery.claim_due(free)
        with self.lock:
            self.in_flight += len(claimed)
        for item in claimed:
            self.pool.submit(self._send, item)
        return len(claimed)

    def _send(self, item: webhook_delivery.ClaimedDelivery) -> None:
        try:
            outcome = webhook_delivery.send(item)
            with self.app.app_context():
                jobs.run_recorded("webhook_delivery", lambda: _record_quietly(item, outcome))
        finally:
            with self.lock:
                self.in_flight -= 1
            self.wake.set()

    def _wait_seconds(self) -> float:
        """Until the next firing or delivery is due: at most RECHECK_SECONDS, at least MIN_WAIT_SECONDS (a row
        another daemon holds for a moment must not make this loop spin)."""
        try:
            now = utcnow()
            wait = webhook_firings.seconds_until_due(now, RECHECK_SECONDS)
            with self.lock:
                free = self.in_flight < self.senders
            delivery_due = webhook_delivery.next_due() if free else None  # else a finishing sender wakes us
            if delivery_due is not None:
                wait = min(wait, _seconds(delivery_due, now))
            return max(MIN_WAIT_SECONDS, wait)
        except Exception:
            log.exception("could not read when the next firing is due")
            return RECHECK_SECONDS
        finally:
            db.session.remove()


def _record_quietly(item: webhook_delivery.ClaimedDelivery, outcome: webhook_delivery.Outcome) -> bool:
    """Record an attempt; False, so that run_recorded writes no job record per delivery (failures still are)."""
    webhook_delivery.record(item, outcome)
    return False


def _seconds(moment: datetime, now: datetime) -> float:
    return max(0.0, (moment - now).total_seconds())
