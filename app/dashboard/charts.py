"""Geometry of the analytics charts: pure functions from the report's numbers to SVG coordinates.

The templates (templates/dashboard/_chart_*.html) only draw what these return, so every bar, tick and label
position is computed and tested here. Coordinates are in the SVG's viewBox units; colours come from classes
styled in static/charts.css (the CSP allows no inline styles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

WIDTH = 720  # viewBox width of every chart; the SVG scales to its box
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 30  # room for hour labels (left) and date labels (bottom)
LABEL_WIDTH = 46  # a date label's width in viewBox units; labels closer than this are thinned out
HOUR_STEPS = (0.5, 1, 2, 3, 4, 6, 8, 12, 24, 48)
HEAT_LEVELS = 5

KIND_LABELS = {"meeting": "Meetings", "focus": "Focus", "other": "Other work", "personal": "Personal"}


@dataclass(frozen=True)
class Tick:
    """A gridline at ``y`` with its label."""

    y: float
    label: str


@dataclass(frozen=True)
class Segment:
    kind: str
    y: float
    height: float
    hours: float


@dataclass(frozen=True)
class Bar:
    """One day's stacked bar: its segments bottom-up and the label under it (empty when thinned out)."""

    x: float
    width: float
    label: str
    title: str
    segments: list[Segment]


@dataclass
class Chart:
    """What a template draws: the plot box, gridlines, x labels and the marks."""

    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    ticks: list[Tick]
    marks: list[Any] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)


def fmt(value: float) -> str:
    """Hours as short text: 2, 2.5, 0.75."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"


def hour_ticks(peak: float, max_ticks: int = 6) -> tuple[float, list[float]]:
    """A round axis top at or above ``peak`` hours and the gridline values from 0 (at most max_ticks steps)."""
    peak = max(peak, 0.0)
    step = next((s for s in HOUR_STEPS if peak / s <= max_ticks), HOUR_STEPS[-1])
    top = max(step, math.ceil(peak / step - 1e-9) * step)
    count = round(top / step)
    return top, [round(step * n, 2) for n in range(count + 1)]


def thin_labels(count: int, slot: float, label_width: float = LABEL_WIDTH) -> int:
    """Label every n-th item so that labels ``slot`` apart never overlap."""
    return max(1, math.ceil(label_width / slot)) if slot > 0 else 1


def _y_axis(peak: float, height: float) -> tuple[float, float, float, list[Tick]]:
    top, values = hour_ticks(peak)
    bottom = height - BOTTOM
    scale = (bottom - TOP) / top
    ticks = [Tick(round(bottom - value * scale, 2), f"{fmt(value)} h") for value in values]
    return bottom, scale, top, ticks


def day_label(day: date, count: int) -> str:
    """A short date under a bar: with the weekday when few days are shown."""
    return day.strftime("%a %d") if count <= 14 else day.strftime("%d %b")


def stacked_days(days: list[dict[str, Any]], kinds: tuple[str, ...], height: float = 240) -> Chart:
    """Hours per day stacked by kind (bottom-up in ``kinds`` order), with hour gridlines and thinned dates."""
    totals = [sum(day[f"{kind}_hours"] for kind in kinds) for day in days]
    bottom, scale, _top, ticks = _y_axis(max(totals, default=0), height)
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(days), 1)
    every = thin_labels(len(days), slot)
    bars = []
    for index, day in enumerate(days):
        x = LEFT + index * slot
        y = bottom
        segments = []
        for kind in kinds:
            value = day[f"{kind}_hours"]
            if value <= 0:
                continue
            size = value * scale
            y -= size
            segments.append(Segment(kind, round(y, 2), round(size, 2), value))
        when = date.fromisoformat(day["date"])
        parts = ", ".join(f"{KIND_LABELS[s.kind].lower()} {fmt(s.hours)} h" for s in segments) or "nothing"
        bars.append(
            Bar(
                x=round(x + slot * 0.15, 2),
                width=round(max(slot * 0.7, 0.5), 2),
                label=day_label(when, len(days)) if index % every == 0 else "",
                title=f"{when.strftime('%a %d %b')}: {fmt(totals[index])} h ({parts})",
                segments=segments,
            )
        )
    return Chart(height, LEFT, WIDTH - RIGHT, TOP, bottom, ticks, marks=bars)


def weekly_lines(weeks: list[dict[str, Any]], kinds: tuple[str, ...] = ("meeting", "focus"), height=200) -> Chart:
    """One line per kind across the weeks (points in the middle of each week's slot), with hour gridlines."""
    peak = max((week[f"{kind}_hours"] for week in weeks for kind in kinds), default=0)
    bottom, scale, _top, ticks = _y_axis(peak, height)
    slot = (WIDTH - LEFT - RIGHT) / max(len(weeks), 1)
    every = thin_labels(len(weeks), slot)
    xs = [round(LEFT + slot * (index + 0.5), 2) for index in range(len(weeks))]
    series = []
    for kind in kinds:
        points = [
            (x, round(bottom - week[f"{kind}_hours"] * scale, 2), week[f"{kind}_hours"])
            for x, week in zip(xs, weeks, strict=True)
        ]
        series.append(
            {
                "kind": kind,
                "label": KIND_LABELS[kind],
                "points": points,
                "path": " ".join(f"{x},{y}" for x, y, _ in points),
            }
        )
    labels = [
        (x, date.fromisoformat(week["week_start"]).strftime("%d %b"))
        for index, (x, week) in enumerate(zip(xs, weeks, strict=True))
        if index % every == 0
    ]
    return Chart(height, LEFT, WIDTH - RIGHT, TOP, bottom, ticks, series=series, x_labels=labels)


def heat_level(value: float, peak: float, levels: int = HEAT_LEVELS) -> int:
    """0 for nothing, else 1..levels by equal shares of the peak (the busiest cell is always the top level)."""
    if value <= 0 or peak <= 0:
        return 0
    return min(levels, max(1, math.ceil(value / peak * levels - 1e-9)))


def heat_scale(peak: float, levels: int = HEAT_LEVELS) -> list[tuple[int, str]]:
    """The legend: each level with the range of hours it stands for."""
    if peak <= 0:
        return [(0, "0 h")]
    bounds = [peak * n / levels for n in range(levels + 1)]
    return [(0, "0 h")] + [
        (n, f"{fmt(round(bounds[n - 1], 2))}–{fmt(round(bounds[n], 2))} h") for n in range(1, levels + 1)
    ]


def heat_cells(matrix: list[list[float]], peak: float) -> list[list[int]]:
    """The level of each weekday × hour cell."""
    return [[heat_level(value, peak) for value in row] for row in matrix]


@dataclass(frozen=True)
class HeatCell:
    x: float
    y: float
    level: int
    title: str


HEAT_LEFT, HEAT_TOP, HEAT_ROW = 40, 18, 24


def heat_grid(weekdays: list[str], matrix: list[list[float]], peak: float) -> dict[str, Any]:
    """The heat map as positioned cells (a row per weekday, a column per hour), hour labels every 3 hours."""
    cell = (WIDTH - HEAT_LEFT) / 24
    levels = heat_cells(matrix, peak)
    rows = []
    for row, (weekday, values) in enumerate(zip(weekdays, matrix, strict=True)):
        y = HEAT_TOP + row * HEAT_ROW
        cells = [
            HeatCell(
                round(HEAT_LEFT + hour * cell, 2),
                y,
                levels[row][hour],
                f"{weekday} {hour:02d}:00–{(hour + 1) % 24:02d}:00: {fmt(value)} h",
            )
            for hour, value in enumerate(values)
        ]
        rows.append({"label": weekday[:3], "y": y, "cells": cells})
    hours = [(round(HEAT_LEFT + hour * cell + cell / 2, 2), f"{hour:02d}") for hour in range(0, 24, 3)]
    return {
        "rows": rows,
        "hours": hours,
        "cell_width": round(cell - 2, 2),
        "cell_height": HEAT_ROW - 2,
        "height": HEAT_TOP + len(rows) * HEAT_ROW,
        "scale": heat_scale(peak),
    }


DAY_KINDS = ("meeting", "focus", "other", "personal")


def report_charts(report: dict[str, Any]) -> dict[str, Any]:
    """The three charts of the analytics page from a productivity report."""
    heat = report["heatmap"]
    return {
        "days": stacked_days(report["hours_per_day"], DAY_KINDS),
        "weeks": weekly_lines(report["weekly"]),
        "heat": heat_grid(heat["weekdays"], heat["matrix"], heat["max"]),
        "kinds": [(kind, KIND_LABELS[kind]) for kind in DAY_KINDS],
    }
