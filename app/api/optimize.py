"""POST /api/v1/ai/optimize: the optimizer's suggestions, and optionally its moves carried out."""

from __future__ import annotations

from app.api.answer import answer
from app.api.base import api_blueprint
from app.api.planning_schemas import OptimizeBody, OptimizeOut, OptimizeQuery
from app.services import planning

bp = api_blueprint("optimize", "Optimizer", "Schedule suggestions from explained rules.")


@bp.post("/ai/optimize", summary="Suggest (and with auto_apply, make) schedule changes", responses={200: OptimizeOut})
def optimize(query: OptimizeQuery, body: OptimizeBody):
    """Parameters may come in the query string or the JSON body (the body wins); a dry run changes nothing."""
    given = {**query.model_dump(exclude_none=True), **body.model_dump(exclude_none=True)}
    result = planning.optimize(given.get("optimization_window_days", 7), bool(given.get("auto_apply", False)))
    return answer(OptimizeOut, result)
