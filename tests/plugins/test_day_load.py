"""One limit, one definition: the dashboard's wellness warnings and the optimizer agree on overload and chains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.services import planning
from app.services.wellness import day_warnings
from tests.optimizer.scenario import add, at
from tests.plugins.test_analytics_wellness import make_event


def test_overload_uses_planning_max_daily_hours_for_both(make_app):
    app = make_app({"planning": {"max_daily_hours": 2}})
    with app.app_context():
        add("Long", 0, "09:00", "12:00")
        day = at(0, "00:00")
        events = [make_event(1, day + timedelta(hours=9), 180, "task")]
        assert [w["type"] for w in day_warnings(events, ZoneInfo("UTC"))] == ["overload"]
        keys = [s.key for s in planning.current_suggestions(7, at(0, "07:00"))]
        assert "overload:2026-03-02" in keys


def test_a_gap_under_min_break_minutes_chains_meetings(make_app):
    day = datetime(2030, 5, 8, 9, tzinfo=UTC)
    chain = [make_event(i, day + timedelta(minutes=70 * i), 60) for i in range(3)]  # 10-minute gaps
    with make_app({"planning": {"min_break_minutes": 15}}).app_context():
        assert [w["type"] for w in day_warnings(chain, ZoneInfo("UTC"))] == ["back_to_back"]
    with make_app({"planning": {"min_break_minutes": 10}}).app_context():
        assert day_warnings(chain, ZoneInfo("UTC")) == []
