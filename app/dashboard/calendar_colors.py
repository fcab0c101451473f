"""Calendar colours: a class per calendar and the small stylesheet that gives each class its colour.

The CSP allows no inline styles, so events carry a ``cal-…`` class and ``dashboard.calendar_colors`` serves
the rules. A calendar uses its configured ``calendar.per_calendar.<id>.color``; otherwise a palette slot
chosen from a hash of its id (stable across restarts), moved on to the next free slot when another calendar
shown already has that colour. Text on a colour is black or white, whichever contrasts more.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

# Saturated mid-dark colours: white text on each has a contrast of at least 4.5:1 (WCAG AA), and
# neighbouring slots differ in hue, so the first few calendars are easy to tell apart.
PALETTE = (
    "#1d4ed8",  # blue
    "#b91c1c",  # red
    "#047857",  # green
    "#7e22ce",  # purple
    "#c2410c",  # orange
    "#0e7490",  # cyan
    "#be185d",  # pink
    "#4d7c0f",  # olive
    "#57534e",  # stone
    "#a16207",  # amber
)
DARK_TEXT, LIGHT_TEXT = "#111827", "#ffffff"
_SIMPLE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@lru_cache(maxsize=1024)
def calendar_class(calendar_id: str) -> str:
    """The CSS class of a calendar: ``cal-<id>`` for simple ids, else ``cal--<hash>`` (ids are free-form)."""
    if _SIMPLE_ID.match(calendar_id):
        return f"cal-{calendar_id}"
    return f"cal--{_digest(calendar_id)[:10]}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def preferred_slot(calendar_id: str) -> int:
    """The palette slot a calendar gets when no other calendar shown has taken it."""
    return int(_digest(calendar_id)[:8], 16) % len(PALETTE)


def assign_colors(calendar_ids: Iterable[str], configured: Mapping[str, str]) -> dict[str, str]:
    """Each calendar's colour: configured ones as set; the rest from the palette, distinct while slots last.

    Calendars are placed in id order, each on its preferred slot or the next free one, so the result depends
    only on the set of calendars, never on the order they were found in."""
    ids = sorted(set(calendar_ids) | {cid for cid, color in configured.items() if color})
    colors = {cid: configured[cid].lower() for cid in ids if configured.get(cid)}
    taken = set(colors.values())
    for cid in ids:
        if cid in colors:
            continue
        start = preferred_slot(cid)
        free = [PALETTE[(start + step) % len(PALETTE)] for step in range(len(PALETTE))]
        colors[cid] = next((color for color in free if color not in taken), PALETTE[start])
        taken.add(colors[cid])
    return colors


def _luminance(color: str) -> float:
    """Relative luminance of "#rrggbb" (WCAG 2 definition)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two "#rrggbb" colours (1 to 21)."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_color(background: str) -> str:
    """Black or white, whichever reads better on ``background``."""
    return DARK_TEXT if contrast(background, DARK_TEXT) > contrast(background, LIGHT_TEXT) else LIGHT_TEXT


def stylesheet(colors: Mapping[str, str]) -> str:
    """One rule per calendar setting the custom properties that static/calendar.css paints with."""
    lines = ["/* Calendar colours (calendar.per_calendar.<id>.color, else the dashboard palette). */"]
    for cid in sorted(colors):
        color = colors[cid]
        lines.append(f".{calendar_class(cid)} {{ --cal: {color}; --cal-fg: {text_color(color)}; }}")
    return "\n".join(lines) + "\n"
