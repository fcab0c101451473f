"""All tables, importable from one place."""

from app.models.access import ApiKey, AuditEntry, AuthFailure, DashboardSession
from app.models.commands import COMMAND_STATUSES, Command
from app.models.events import (
    CALENDAR_ID_MAX,
    DESCRIPTION_MAX,
    EVENT_STATUSES,
    EVENT_TYPES,
    LOCATION_MAX,
    PRIORITIES,
    TAG_MAX,
    TIMEZONE_MAX,
    TITLE_MAX,
    Event,
    EventAnalytics,
    Note,
    UrlPayload,
)
from app.models.planning import DismissedSuggestion, PlanningAction
from app.models.push import PUSH_CHANNEL_STATES, PushChannel
from app.models.sync import (
    SYNC_JOB_STATUSES,
    Heartbeat,
    JobRecord,
    PendingUpstreamOp,
    SyncJob,
    SyncState,
    UpstreamDeletion,
)
from app.models.templates import (
    AUTHOR_MAX,
    DURATION_MAX,
    DURATION_MIN,
    TEMPLATE_DESCRIPTION_MAX,
    Template,
    TemplateUsage,
)
from app.models.types import UTCDateTime, utcnow

__all__ = [
    "AUTHOR_MAX",
    "CALENDAR_ID_MAX",
    "COMMAND_STATUSES",
    "DESCRIPTION_MAX",
    "DURATION_MAX",
    "DURATION_MIN",
    "EVENT_STATUSES",
    "EVENT_TYPES",
    "LOCATION_MAX",
    "PRIORITIES",
    "PUSH_CHANNEL_STATES",
    "SYNC_JOB_STATUSES",
    "TAG_MAX",
    "TEMPLATE_DESCRIPTION_MAX",
    "TIMEZONE_MAX",
    "TITLE_MAX",
    "ApiKey",
    "AuditEntry",
    "AuthFailure",
    "Command",
    "DashboardSession",
    "DismissedSuggestion",
    "Event",
    "EventAnalytics",
    "Heartbeat",
    "JobRecord",
    "Note",
    "PendingUpstreamOp",
    "PlanningAction",
    "PushChannel",
    "SyncJob",
    "SyncState",
    "Template",
    "TemplateUsage",
    "UTCDateTime",
    "UpstreamDeletion",
    "UrlPayload",
    "utcnow",
]
