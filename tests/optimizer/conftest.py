from __future__ import annotations

import pytest

from tests.optimizer.scenario import at


@pytest.fixture
def planning_app(make_app):
    """UTC, 09:00-17:00 Monday to Friday, 8 h a day, breaks after 120 min chains, 90 min focus blocks."""
    application = make_app(
        {
            "planning": {
                "working_hours": "09:00-17:00",
                "working_days": [0, 1, 2, 3, 4],
                "max_daily_hours": 8,
                "max_chain_minutes": 120,
                "min_break_minutes": 15,
                "focus_block_minutes": 90,
            }
        }
    )
    with application.app_context():
        yield application


@pytest.fixture
def monday_morning():
    return at(0, "07:00")
