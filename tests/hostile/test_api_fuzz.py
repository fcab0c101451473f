"""Schemathesis generates requests from the OpenAPI document and checks every answer against it: no 5xx, only
documented status codes, each body matching its declared schema.

Each operation runs as its own Hypothesis test (a bounded number of examples) through the WSGI app with the
admin key. Schemathesis's pytest plugin is not used for the loop because its lazy loading does not work with
pytest 9; the generation and the checks are Schemathesis's own."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.conftest import TEST_KEY

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
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
