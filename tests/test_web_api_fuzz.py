"""Schemathesis against the API's OpenAPI document, over a real crawled archive (SQLite and
PostgreSQL): generated requests, valid and invalid, never get a server error, and every answer
has a documented status, content type and body schema.

Each operation's schemathesis strategy is driven by Hypothesis directly (one test per backend,
so the archive is crawled once per backend)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web_archive import WebArchive, web_archive  # noqa: F401  (the module's fixture)
from viva_militer_archive.web.app import create_app

EXAMPLES = 30
"""Examples per operation and generation mode: enough to reach every parameter's edges."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.value)
def test_api_conforms_to_its_schema(web_archive: WebArchive, mode: GenerationMode) -> None:  # noqa: F811
    app = create_app(web_archive.url)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "414"]  # over-long request line
    operations = [result.ok() for result in schema.get_all_operations()]
    takes_input = {
        path for path, ops in app.openapi()["paths"].items() if ops["get"].get("parameters")
    }
    assert {op.path for op in operations} >= {
        "/api/articles", "/api/articles/{article_id}", "/api/articles/{article_id}/revisions",
        "/api/search", "/api/runs", "/api/stats", "/healthz", "/metrics",
        "/feeds/articles.atom", "/feeds/changes.atom",
    }  # fmt: skip
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and operation.path not in takes_input:
            continue  # no parameter: nothing to get wrong

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS)

        check()
