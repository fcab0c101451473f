"""All tables, importable from one place."""

from app.models.access import ApiKey, AuditEntry, AuthFailure, DashboardSession
from app.models.commands import COMMAND_STATUSES, Command
from app.models.events import EVENT_STATUSES, EVENT_TYPES, PRIORITIES, Event, EventAnalytics, Note, UrlPayload
from app.models.planning import DismissedSuggestion, PlanningAction
from app.models.sync import (
    SYNC_JOB_STATUSES,
    Heartbeat,
    JobRecord,
    PendingUpstreamOp,
    SyncJob,
    SyncState,
    UpstreamDeletion,
)
from app.models.templates import Template, TemplateUsage
from app.models.types import UTCDateTime, utcnow

__all__ = [
    "COMMAND_STATUSES",
    "EVENT_STATUSES",
    "EVENT_TYPES",
    "PRIORITIES",
    "SYNC_JOB_STATUSES",
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
    "SyncJob",
    "SyncState",
    "Template",
    "TemplateUsage",
    "UTCDateTime",
    "UpstreamDeletion",
    "UrlPayload",
    "utcnow",
]
