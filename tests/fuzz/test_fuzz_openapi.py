"""Schemathesis against the whole OpenAPI document, authenticated as an administrator.

Every operation, positive and negative data: no 5xx, every response conforms to the
documented schema (status code, content type, headers, body), and data that breaks the
schema is rejected with a 4xx. Derandomized and bounded (`UANL_FUZZ_EXAMPLES`, default 4
per operation and mode) so `make test` stays reproducible and quick; docs/testing.md shows
a longer run.

Schemathesis' own pytest integration (`from_fixture` + `parametrize`) writes pytest's
private `_nodeid`, which pytest 9 no longer has; so the loop over operations is ours and
every failure of every operation is collected and reported together.
"""

from __future__ import annotations

import os
from typing import Any

import hypothesis
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.failures import FailureGroup

from tests.conftest import Staff
from tests.fuzz.conftest import WATSON_KEY
from uanl.routes import API_PREFIX

EXAMPLES = int(os.environ.get("UANL_FUZZ_EXAMPLES", "4"))

# Operations the fuzzer must not call, each with its reason. Nothing else is left out.
EXCLUDED = {
    # Revokes the bearer token the fuzzer itself uses: every later call would be a 401.
    ("POST", f"{API_PREFIX}/auth/logout"),
    # Server-sent events: the response is an endless stream (each call would hold the run
    # for the stream's idle timeout). tests/dashboards covers it with a real client.
    ("GET", f"{API_PREFIX}/dashboards/stream"),
}


def _run_operation(operation: Any, headers: dict[str, str]) -> list[str]:
    failures: list[str] = []

    def check(case: schemathesis.Case) -> None:
        try:
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
        except FailureGroup as group:
            for exc in group.exceptions:
                failures.append(
                    f"{operation.label} [{case.meta.generation.mode.value}]: {exc}\n"
                    f"  reproduce: {case.as_curl_command()}"
                )
        except AssertionError as exc:
            failures.append(f"{operation.label}: {exc}")

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategy = operation.as_strategy(generation_mode=mode)

        @hypothesis.settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[hypothesis.Phase.generate],  # report, do not shrink: keeps CI bounded
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            check(case)

        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            pass  # e.g. no negative data exists for an operation without parameters
    return failures


def test_every_operation(app: Any, staff: Staff, admin_h: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", app)
    failures: list[str] = []
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in EXCLUDED:
            continue
        count += 1
        # Watson's endpoints take its API key; every other one the administrator's token.
        failures.extend(_run_operation(operation, {**admin_h, "X-API-Key": WATSON_KEY}))
    print(f"fuzzed {count} operations, {EXAMPLES} examples per mode: {len(failures)} failures")
    assert not failures, "\n\n".join(sorted(set(failures)))
