"""Fuzz the REST API from its own OpenAPI document (schemathesis, bounded): no 5xx, every refusal explained,
every reply as the document declares it.

Longer runs: MODELBOX_FUZZ_EXAMPLES=500 .venv/bin/pytest tests/test_fuzz.py
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .helpers.jupyter import JupyterServer

EXAMPLES = int(os.environ.get("MODELBOX_FUZZ_EXAMPLES", "12"))


@schemathesis.check
def explained_refusal(ctx: object, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Every 4xx says what was wrong; a 5xx is never acceptable."""
    assert response.status_code < 500, f"{response.status_code} for {case.method} {case.formatted_path}"
    if response.status_code >= 400:
        assert response.json().get("message"), f"{response.status_code} without a message"


def test_api_never_fails_with_a_server_error(jupyter_server: JupyterServer, tmp_path: object) -> None:
    jupyter_server.reset(tmp_path / "registry")  # type: ignore[operator]
    auth = {"Authorization": f"token {jupyter_server.token}"}
    schema = schemathesis.openapi.from_url(f"{jupyter_server.url}modelbox/api/openapi.json", headers=auth)
    calls = 0
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: schemathesis.Case) -> None:
            nonlocal calls
            if case.path == "/events":
                case.query = {**(case.query or {}), "timeout": 0}  # never wait in a fuzz run
            case.call_and_validate(base_url=f"{jupyter_server.url}modelbox/api", headers=auth, timeout=60,
                                   checks=[explained_refusal, status_code_conformance, content_type_conformance,
                                           response_schema_conformance])
            calls += 1

        fuzz()
    assert operations >= 40 and calls >= operations
    print(f"fuzzed {operations} operations with {calls} requests")
