"""What `make test` runs: the whole suite on SQLite and on PostgreSQL, both passes at the same time.

Each pass is one pytest process that mostly waits on its own servers and subprocesses, so on two cores the two
passes together take little longer than the slower one alone. Each writes to a log file of its own (printed
whole when it ends) and has its own temporary folder; a line every minute says which are still running.
The exit status is non-zero when either pass fails.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSES = (("SQLite", ()), ("PostgreSQL", ("--database=postgresql",)))
PROGRESS_SECONDS = 60


def start(name: str, options: tuple[str, ...], folder: Path, arguments: list[str]) -> subprocess.Popen:
    log = (folder / f"{name.lower()}.log").open("wb")
    # The ten slowest tests are listed at the end of each pass, so that what makes the suite slow is in sight.
    command = [sys.executable, "-m", "pytest", *options, "--durations=10", f"--basetemp={folder / name.lower()}"]
    command += arguments
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def main(arguments: list[str]) -> int:
    folder = Path(tempfile.mkdtemp(prefix="chronos-tests-"))
    print(f"== the suite on SQLite and on PostgreSQL side by side (logs in {folder}) ==", flush=True)
    started = time.monotonic()
    running = {name: start(name, options, folder, arguments) for name, options in PASSES}
    failed: list[str] = []
    next_note = started + PROGRESS_SECONDS
    try:
        while running:
            for name, process in list(running.items()):
                if process.poll() is None:
                    continue
                del running[name]
                minutes = (time.monotonic() - started) / 60
                print(f"\n== the suite on {name}: exit {process.returncode} after {minutes:.1f} min ==", flush=True)
                sys.stdout.write((folder / f"{name.lower()}.log").read_text(errors="replace"))
                sys.stdout.flush()
                if process.returncode != 0:
                    failed.append(name)
            if running and time.monotonic() >= next_note:
                minutes = (time.monotonic() - started) / 60
                print(f"   … {minutes:.0f} min, still running: {', '.join(running)}", flush=True)
                next_note += PROGRESS_SECONDS
            time.sleep(0.5)
    finally:
        for process in running.values():
            process.terminate()
            process.wait()
    if failed:
        print(f"\n== failed on {' and '.join(failed)} ==", flush=True)
        return 1
    print(f"\n== passed on both backends in {(time.monotonic() - started) / 60:.1f} min ==", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
