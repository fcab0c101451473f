"""Schemathesis generates requests from the OpenAPI document and checks every answer against it: no 5xx, only
documented status codes, each body and header matching its declared schema, every request the document allows
accepted, and no route that needs a key answering without one (or with a wrong one).

The one exception to the last: a 422 for a rule across fields that the document states in words because JSON
Schema cannot (an end before its start, days_back together with start/end), and only when the request really
breaks that rule, computed here independently of the API.

Each operation runs as its own Hypothesis test (a bounded number of examples) through the WSGI app with the
admin key. Schemathesis's pytest plugin is not used for the loop because its lazy loading does not work with
pytest 9; the generation and the checks are Schemathesis's own."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from app.config import current_settings
from app.extensions import db
from app.models import Event
from tests.conftest import TEST_KEY

EXAMPLES_PER_OPERATION = 50
MAX_REPORT_DAYS = 3660


def productivity_window_refused(case) -> bool:
    """days_back with start/end, one of start and end alone, end before start, or more than 3660 days."""
    query = case.query or {}
    start, end = query.get("start"), query.get("end")
    if start is None and end is None:
        return False
    if query.get("days_back") is not None or start is None or end is None:
        return True
    days = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
    return not 1 <= days <= MAX_REPORT_DAYS


def event_times_refused(case) -> bool:
    """The end is before the start (all-day: its exclusive end day is not after it), from the body and, for
    PUT (zone) and PATCH (every field not given), the stored event."""
    body = case.body if isinstance(case.body, dict) else {}
    fields = stored_event_fields(case) if case.method.upper() != "POST" else {}
    fields.update({name: value for name, value in body.items() if value is not None or name == "end_time"})
    start, end = fields.get("start_time"), fields.get("end_time")
    if start is None or end is None:
        return False  # a missing end defaults to after the start
    zone = ZoneInfo(fields.get("timezone") or current_settings().app.timezone)
    if fields.get("all_day"):
        return _local_day(end, zone, is_end=True) <= _local_day(start, zone, is_end=False)
    return _moment(end, zone) < _moment(start, zone)


def stored_event_fields(case) -> dict:
    """What PUT (zone) or PATCH (times, all_day, zone) keeps of the stored event."""
    event = db.session.get(Event, int(case.path_parameters["event_id"]))
    if event is None:
        return {}
    if case.method.upper() == "PUT":
        return {"timezone": event.timezone}
    if event.all_day and event.all_day_date is not None:
        end_day = event.end_time.astimezone(ZoneInfo(event.timezone)).date()
        times = {"start_time": event.all_day_date.isoformat(), "end_time": end_day.isoformat()}
    else:
        times = {"start_time": event.start_time.isoformat(), "end_time": event.end_time.isoformat()}
    return {**times, "all_day": event.all_day, "timezone": event.timezone}


def _moment(text: str, zone: ZoneInfo) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=zone)


def _local_day(text: str, zone: ZoneInfo, is_end: bool) -> date:
    if len(text) == 10:
        return date.fromisoformat(text)
    local = _moment(text, zone).astimezone(zone)
    return local.date() + timedelta(days=1) if is_end and local.time() != datetime.min.time() else local.date()


# Operation -> the rule across its fields that its description states and a 422 may enforce.
CROSS_FIELD_RULES = {
    ("GET", "/analytics/productivity"): productivity_window_refused,
    ("POST", "/events"): event_times_refused,
    ("PUT", "/events/{event_id}"): event_times_refused,
    ("PATCH", "/events/{event_id}"): event_times_refused,
}


def positive_data_acceptance(ctx, response, case):
    """Schemathesis's check, letting through a 422 only for a documented cross-field rule the request breaks."""
    rule = CROSS_FIELD_RULES.get((case.method.upper(), case.operation.path.removeprefix("/api/v1")))
    if response.status_code == 422 and rule is not None and rule(case):
        return None
    return checks.positive_data_acceptance(ctx, response, case)


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.ignored_auth,
    positive_data_acceptance,
]


def operation_failures(app) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case) -> None:
            if case.query:
                case.query.pop("wait", None)  # ?wait holds a request for up to a minute: tested elsewhere
            case.call_and_validate(headers={"Authorization": f"Bearer {TEST_KEY}"}, checks=CHECKS)

        try:
            exercise()
        except BaseException as failure:  # Hypothesis raises exception groups; KeyboardInterrupt is re-raised
            if isinstance(failure, KeyboardInterrupt):
                raise
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    return failures


def test_every_operation_answers_as_documented(app):
    failures = operation_failures(app)
    assert not failures, "\n\n".join(failures)
