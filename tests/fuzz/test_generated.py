"""schemathesis in GraphQL mode over every query and mutation of a real server, as anonymous, a
student and an admin: no generated operation may get a 5xx or an INTERNAL_SERVER_ERROR.

Reproducible: each role has its own fixed seed, no example database, and the operations are
generated and sent in one order (one sender thread; generating the next operation overlaps the
server's work on the last one).
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.core.result import Ok
from schemathesis.generation.case import Case
from schemathesis.schemas import APIOperation

from tests.fuzz.conftest import ROLES, FuzzTarget
from tests.fuzz.harness import Caller, report
from tests.fuzz.operations import root_fields
from tests.fuzz.strategies import register_scalars

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 8  # times ~160 root fields per role: above the minimum
MIN_OPERATIONS_PER_ROLE = 1_000
SEEDS = {"anonymous": 90_001, "student": 90_002, "admin": 90_003}


def send_generated(
    operation: APIOperation[Any, Any, Any, Any],
    caller: Caller,
    executor: ThreadPoolExecutor,
    role_seed: int,
) -> list[Future[object]]:
    sending: list[Future[object]] = []

    @seed(role_seed)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        database=None,
        derandomize=False,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def generate(case: Case[Any]) -> None:
        sending.append(executor.submit(caller.send, operation.label, str(case.body)))

    generate()
    return sending


@pytest.mark.parametrize("role", ROLES)
def test_generated_operations_never_fail_internally(fuzz: FuzzTarget, role: str) -> None:
    caller = fuzz.callers[role]
    register_scalars(fuzz.pool)
    schema = schemathesis.graphql.from_dict(fuzz.introspection)
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results)
    operations = {result.ok().label: result.ok() for result in results if isinstance(result, Ok)}
    sent_before, failures_before, started = caller.sent, len(caller.failures), time.monotonic()
    outcomes_before = caller.outcomes.copy()
    with ThreadPoolExecutor(max_workers=1) as executor:
        sending = [
            future
            for root in root_fields(fuzz.schema)  # destructive mutations last
            for future in send_generated(operations[root.label], caller, executor, SEEDS[role])
        ]
    for future in sending:
        future.result()  # the harness itself must not have failed
    sent = caller.sent - sent_before
    elapsed = time.monotonic() - started
    print(f"{role}: {sent} generated operations, {len(operations)} root fields, {elapsed:.0f} s")
    print(f"answers by error code: {dict((caller.outcomes - outcomes_before).most_common())}")
    assert sent >= MIN_OPERATIONS_PER_ROLE
    failures = caller.failures[failures_before:]
    if failures:
        pytest.fail(report(failures, fuzz.report_dir / f"generated-{role}.json"), pytrace=False)
