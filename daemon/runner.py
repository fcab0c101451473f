"""The daemon's main loop: a schedule.Scheduler run inside an app context, stopped by signals."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable

import schedule

from app import create_app
from app.settings import ConfigError
from app.timeutil import utcnow
from daemon import jobs
from daemon.triggers import TriggerWorker

log = logging.getLogger("chronos.daemon")

# Jobs that wait on calendar servers, with how many runs of each may be under way at once. They run in
# threads of their own, so a slow feed holds up neither the loop's other jobs (lease reaping, interrupted
# jobs, ...) nor, up to the limit, sync requests for other calendars.
BACKGROUND_JOBS = {"scheduled_sync": 1, "sync_requests": 2, "upstream_outbox": 1, "push_channels": 1}
# On stop, how long to wait for background jobs still running (each is bounded by sync.deadline_seconds).
STOP_WAIT_SECONDS = 30


class Daemon:
    """Owns the scheduler, the heartbeat thread and the stop flag."""

    def __init__(self, app, extra_jobs: list[tuple[float, Callable[[], None], str]] | None = None):
        self.app = app
        self.settings = app.config["CHRONOS_SETTINGS"]
        self.stop_event = threading.Event()
        self.scheduler = schedule.Scheduler()
        self.started_at = utcnow()
        self._signals = 0
        self.workers: dict[str, list[threading.Thread]] = {}
        for seconds, func, name in jobs.default_jobs(self.settings) + (extra_jobs or []):
            # schedule takes fractional seconds although its signature names int
            self.scheduler.every(seconds).seconds.do(self.run_job, name, func)  # type: ignore[arg-type]

    def run_job(self, name: str, func: Callable[[], None]) -> None:
        """Run one job (a background job in a thread, when a slot is free); an exception is logged and
        recorded, never fatal."""
        limit = BACKGROUND_JOBS.get(name)
        if limit is None:
            self._run_in_context(name, func)
            return
        running = [worker for worker in self.workers.get(name, []) if worker.is_alive()]
        if len(running) < limit and not self.stop_event.is_set():
            worker = threading.Thread(target=self._run_in_context, args=(name, func), name=f"job-{name}", daemon=True)
            running.append(worker)
            worker.start()
        self.workers[name] = running

    def _run_in_context(self, name: str, func: Callable[[], None]) -> None:
        with self.app.app_context():
            jobs.run_recorded(name, func)

    def wait_for_workers(self, seconds: float) -> None:
        """Let background jobs that are still running finish (each stops at its sync deadline anyway)."""
        for worker in [worker for workers in self.workers.values() for worker in workers]:
            worker.join(timeout=seconds)

    def handle_signal(self, signum: int, _frame) -> None:
        self._signals += 1
        if self._signals == 1:
            log.info("received %s: finishing the current job, then stopping", signal.Signals(signum).name)
            self.stop_event.set()
        else:
            log.warning("second signal: stopping at once")
            os._exit(1)

    def _heartbeat_loop(self) -> None:
        interval = self.settings.scheduler.heartbeat_seconds
        while not self.stop_event.is_set():
            with self.app.app_context():
                jobs.run_recorded("heartbeat", lambda: jobs.heartbeat(self.started_at, interval))
            self.stop_event.wait(interval)

    def run(self) -> int:
        """Install the signal handlers and loop until asked to stop."""
        signal.signal(signal.SIGTERM, self.handle_signal)
        signal.signal(signal.SIGINT, self.handle_signal)
        return self.loop()

    def loop(self) -> int:
        # The first beat lands before any job runs, so other daemons see this one alive before it claims work.
        with self.app.app_context():
            jobs.run_recorded(
                "heartbeat", lambda: jobs.heartbeat(self.started_at, self.settings.scheduler.heartbeat_seconds)
            )
        beat = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
        beat.start()
        triggers = TriggerWorker(self.app, self.stop_event)  # firings and webhook sends: a thread of their own
        triggers.start()
        log.info(
            "daemon started (pid %s); jobs: %s",
            os.getpid(),
            ", ".join(sorted({job.job_func.args[0] for job in self.scheduler.jobs if job.job_func})),
        )
        self.scheduler.run_all()
        while not self.stop_event.is_set():
            self.scheduler.run_pending()
            idle = self.scheduler.idle_seconds
            self.stop_event.wait(0.2 if idle is None else max(0.05, min(idle, 0.5)))
        self.wait_for_workers(STOP_WAIT_SECONDS)
        triggers.join(STOP_WAIT_SECONDS)
        beat.join(timeout=5)
        with self.app.app_context():
            jobs.run_recorded("shutdown", jobs.clear_heartbeat)
        log.info("daemon stopped")
        return 0


def main() -> int:
    try:
        app = create_app()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return Daemon(app).run()
