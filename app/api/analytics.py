"""GET /api/v1/analytics/productivity: the productivity report for a window of days."""

from __future__ import annotations

from app.api.answer import answer
from app.api.base import api_blueprint
from app.api.planning_schemas import ProductivityOut, ProductivityQuery
from app.errors import InvalidInputError
from app.services import analytics

bp = api_blueprint("analytics", "Analytics", "Metrics computed from the stored events.")


@bp.get("/analytics/productivity", summary="Productivity report", responses={200: ProductivityOut})
def productivity(query: ProductivityQuery):
    """``days_back`` (default 30, ending today) or ``start`` and ``end`` (inclusive local dates).

    422 for what the parameters' schemas cannot say: days_back together with start or end, only one of start
    and end, end before start, or a window over 3660 days."""
    if query.days_back is not None and (query.start or query.end):
        raise InvalidInputError("days_back", "give either days_back or start and end, not both")
    return answer(ProductivityOut, analytics.productivity_report(query.days_back, query.start, query.end))
