"""Chart geometry (pure) and the analytics page's charts: SVG with legend, axes, text equivalents, CSP-clean."""

from __future__ import annotations

import itertools
import re

import pytest

from app.dashboard import charts
from tests.dashboard.helpers import HX, assert_page, assert_partial, make_event


def day(date: str, **hours: float) -> dict:
    return {"date": date, **{f"{k}_hours": hours.get(k, 0.0) for k in charts.DAY_KINDS}}


@pytest.mark.parametrize(
    ("peak", "top", "ticks"),
    [
        (0, 0.5, [0, 0.5]),
        (2.2, 2.5, [0, 0.5, 1.0, 1.5, 2.0, 2.5]),
        (5, 5, [0, 1, 2, 3, 4, 5]),
        (9.3, 10, [0, 2, 4, 6, 8, 10]),
        (40, 40, [0, 8, 16, 24, 32, 40]),
        (41, 48, [0, 8, 16, 24, 32, 40, 48]),
    ],
)
def test_hour_axis_is_round_and_covers_the_peak(peak, top, ticks):
    assert charts.hour_ticks(peak) == (top, ticks)


def test_bars_stack_bottom_up_in_kind_order_and_share_one_scale():
    days = [day("2026-03-02", meeting=1, focus=2), day("2026-03-03", personal=4)]
    chart = charts.stacked_days(days, charts.DAY_KINDS)
    bottom = chart.plot_bottom
    assert [t.label for t in chart.ticks] == ["0 h", "1 h", "2 h", "3 h", "4 h"]
    assert chart.ticks[0].y == bottom and chart.ticks[-1].y == charts.TOP
    first, second = chart.marks
    meeting, focus = first.segments
    assert (meeting.kind, focus.kind) == ("meeting", "focus")
    assert meeting.y + meeting.height == pytest.approx(bottom) and focus.y + focus.height == pytest.approx(meeting.y)
    assert first.segments[-1].y == pytest.approx(bottom - 3 * (bottom - charts.TOP) / 4)  # 3 of 4 hours high
    assert second.segments[0].y == pytest.approx(charts.TOP)  # the 4-hour day reaches the top gridline
    assert first.x < second.x and first.x + first.width < second.x  # bars never touch
    assert first.title == "Mon 02 Mar: 3 h (meetings 1 h, focus 2 h)" and first.label == "Mon 02"


def test_date_labels_are_thinned_so_they_never_overlap():
    days = [day(f"2026-03-{n:02d}", focus=1) for n in range(1, 31)]
    chart = charts.stacked_days(days, charts.DAY_KINDS)
    labelled = [(bar.x, bar.label) for bar in chart.marks if bar.label]
    assert labelled[0][1] == "01 Mar" and 5 <= len(labelled) <= 15
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(labelled)]
    assert min(gaps) >= charts.LABEL_WIDTH
    assert charts.thin_labels(365, 665 / 365) > 20


def test_weekly_lines_put_one_point_per_week():
    weeks = [
        {"week_start": "2026-03-02", "meeting_hours": 10.0, "focus_hours": 2.0},
        {"week_start": "2026-03-09", "meeting_hours": 5.0, "focus_hours": 6.0},
    ]
    chart = charts.weekly_lines(weeks)
    meeting, focus = chart.series
    assert [p[2] for p in meeting["points"]] == [10.0, 5.0] and meeting["path"].count(",") == 2
    assert meeting["points"][0][1] == pytest.approx(charts.TOP)  # the peak sits on the top gridline
    assert focus["points"][1][1] < focus["points"][0][1]  # more focus is higher up
    assert chart.x_labels == [(meeting["points"][0][0], "02 Mar"), (meeting["points"][1][0], "09 Mar")]


def test_heat_levels_and_their_scale():
    assert [charts.heat_level(v, 2.0) for v in (0, 0.1, 0.4, 0.41, 1.2, 2.0)] == [0, 1, 1, 2, 3, 5]
    assert charts.heat_scale(2.0)[0] == (0, "0 h") and charts.heat_scale(2.0)[-1] == (5, "1.6–2 h")
    assert charts.heat_scale(0) == [(0, "0 h")]
    matrix = [[0.0] * 24 for _ in range(7)]
    matrix[2][9] = 2.0
    grid = charts.heat_grid(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], matrix, 2.0)
    cell = grid["rows"][2]["cells"][9]
    assert cell.level == 5 and cell.title == "Wednesday 09:00–10:00: 2 h"
    assert grid["rows"][2]["cells"][23].x + grid["cell_width"] <= charts.WIDTH  # the grid spans the full width
    assert [label for _, label in grid["hours"]] == ["00", "03", "06", "09", "12", "15", "18", "21"]


def test_page_draws_three_charts_with_text_equivalents_and_no_inline_style(dashboard):
    make_event("Planning", start="2030-01-07T09:00:00Z", end="2030-01-07T10:00:00Z")  # outside: zeros are fine
    html = assert_page(dashboard.get("/analytics?days=7"))
    assert html.count('<svg class="chart-svg"') == 3
    for name in ("days", "weeks", "heat"):
        assert f'<title id="{name}-title">' in html and f'<desc id="{name}-desc">' in html
    assert html.count('<details class="chart-table">') == 3
    assert "Meetings" in html and "Personal" in html and "Hours per cell" in html
    assert not re.search(r"<[^>]+\sstyle=", html) and "<style" not in html  # the CSP allows no inline styles
    assert 'href="/static/charts.css"' in html
    partial = assert_partial(dashboard.get("/analytics?days=90", headers=HX))
    assert partial.count('<svg class="chart-svg"') == 3


def test_suggestions_are_a_page_and_a_partial(dashboard):
    make_event("Overlap A", start="2030-01-07T09:00:00Z", end="2030-01-07T10:00:00Z")
    page = assert_page(dashboard.get("/analytics"))
    assert 'hx-get="/analytics/suggestions"' in page and 'href="/analytics/suggestions"' in page
    html = assert_page(dashboard.get("/analytics/suggestions"))
    assert 'id="suggestions"' in html and "<h1>Suggestions</h1>" in html
    partial = assert_partial(dashboard.get("/analytics/suggestions", headers=HX))
    assert partial.lstrip().startswith('<section class="card" id="suggestions">')
