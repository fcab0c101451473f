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
from app.models.webhooks import (
    DELIVERY_STATUSES,
    TIMED_TYPES,
    WEBHOOK_EVENT_TYPES,
    Webhook,
    WebhookDelivery,
    WebhookFiring,
)

__all__ = [
    "AUTHOR_MAX",
    "CALENDAR_ID_MAX",
    "COMMAND_STATUSES",
    "DELIVERY_STATUSES",
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
    "TIMED_TYPES",
    "TIMEZONE_MAX",
    "TITLE_MAX",
    "WEBHOOK_EVENT_TYPES",
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
    "Webhook",
    "WebhookDelivery",
    "WebhookFiring",
    "utcnow",
]
