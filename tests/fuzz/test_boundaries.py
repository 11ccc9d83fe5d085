"""Boundary values for every argument of every root field and every input field inside them,
generated from the schema's introspection and sent to a real server: NUL, 100 KB strings, Int
and Float extremes, out-of-range and naive date-times, deep and huge JSON, oversized and empty
lists, empty strings, malformed ids. None may get a 5xx or an INTERNAL_SERVER_ERROR.

Each case starts from a baseline (required arguments filled in, ids of objects that exist) and
changes one value. A root field is driven by the least privileged role whose baseline gets an
answer without a GraphQL error (anonymous, else a student, else an admin; an admin when none
does): the role the field is for, on objects it may see. Generated operations cover every role
on every field (test_generated). After the mutations every query runs again as every role, so a
value that was stored but cannot be read back shows.
"""

from __future__ import annotations

import time

import pytest

from tests.fuzz.conftest import ROLES, FuzzTarget
from tests.fuzz.harness import OVER_LIMIT, Caller, error_codes, report
from tests.fuzz.operations import (
    RootField,
    baseline_arguments,
    boundary_cases,
    document,
    root_fields,
    selection,
)

pytestmark = pytest.mark.slow

SELECTION_DEPTHS = (3, 2, 1, 0)
# The boundary cases select less than the baseline (the payload and the objects in it): they are
# about the way in, and the baseline and the read-back sweep read deeply.
CASE_DEPTH = 1


def send_baseline(fuzz: FuzzTarget, caller: Caller, root: RootField) -> tuple[str, set[str]]:
    """The field with its baseline arguments and the deepest selection the limits accept; the
    query for its cases and the error codes of the answer."""
    arguments = baseline_arguments(root, fuzz.pool)
    for depth in SELECTION_DEPTHS:
        query = document(root, selection(fuzz.schema, root.field.type, depth))
        codes = error_codes(caller.send(root.label, query, arguments, "baseline"))
        if not codes & OVER_LIMIT:
            break
    return document(root, selection(fuzz.schema, root.field.type, min(depth, CASE_DEPTH))), codes


def test_boundary_values_never_fail_internally(fuzz: FuzzTarget) -> None:
    callers = [fuzz.callers[role] for role in ROLES]
    sent_before = {c.role: c.sent for c in callers}
    failures_before = {c.role: len(c.failures) for c in callers}
    driven: dict[str, int] = dict.fromkeys(ROLES, 0)
    shallow: dict[str, str] = {}  # fields no role's baseline got through, with what it got
    started = time.monotonic()
    roots = root_fields(fuzz.schema)  # destructive mutations last
    for root in roots:
        for caller in callers:
            query, codes = send_baseline(fuzz, caller, root)
            if not codes or caller is callers[-1]:
                break
        driven[caller.role] += 1
        if codes:
            shallow[root.label] = ",".join(sorted(codes))
        for case in boundary_cases(root, fuzz.pool):
            caller.send(root.label, query, case.variables, f"{case.path} = {case.label}")
    for caller in callers:  # read back what the mutations stored
        for root in roots:
            if root.kind == "Query":
                send_baseline(fuzz, caller, root)
    sent = {c.role: c.sent - sent_before[c.role] for c in callers}
    print(
        f"{sum(sent.values())} boundary operations in {time.monotonic() - started:.0f} s; "
        f"root fields driven by role: {driven}; operations by role: {sent}"
    )
    print(f"baselines no role got through (their cases stop early): {shallow}")
    failures = [f for c in callers for f in c.failures[failures_before[c.role] :]]
    if failures:
        pytest.fail(report(failures, fuzz.report_dir / "boundaries.json"), pytrace=False)
