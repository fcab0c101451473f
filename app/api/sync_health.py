"""The public sync health check: status words and counts for anyone; which calendars fail and why with the
admin key."""

from __future__ import annotations

from app.api.answer import answer
from app.api.base import api_blueprint
from app.api.sync_schemas import SyncHealthOut
from app.auth import may_see_details, public
from app.services.sync import sync_health

bp = api_blueprint("sync_health", "Sync", public=True)


@bp.get("/sync/health", summary="Is the sync daemon alive?", responses={200: SyncHealthOut})
@public
def sync_health_check():
    return answer(SyncHealthOut, sync_health(with_details=may_see_details()))
