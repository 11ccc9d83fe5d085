"""The fuzz harness itself, without a server: what counts as a failure, that the generated
operations are valid GraphQL over the whole schema, and that the boundary pass reaches every
argument and input field with one changed value at a time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import graphql
import pytest
from hypothesis import given

from schema.root import schema as product_schema
from tests.fuzz.harness import Failure, ServerLog, abbreviate, encode, exception_summary, problems
from tests.fuzz.operations import (
    INTROSPECTION_QUERY,
    IdPool,
    RawJSON,
    baseline_arguments,
    boundary_cases,
    client_schema,
    document,
    global_id,
    input_leaves,
    root_fields,
    selection,
    variations,
)
from tests.fuzz.strategies import JSON_VALUES, value_node

POOL = IdPool()
for _type, _raw in [
    ("Course", "c1"),
    ("CourseModule", "m1"),
    ("QuizAttempt", "a1"),
    ("User", "u1"),
]:
    POOL.add(global_id(_type, f"0190aaaa-0000-7000-8000-00000000{_raw}"))


@pytest.fixture(scope="module")
def schema() -> graphql.GraphQLSchema:
    """The product schema as the fuzz suite sees it: through its introspection."""
    result = graphql.graphql_sync(product_schema._schema, INTROSPECTION_QUERY)
    assert result.errors is None, result.errors
    assert result.data is not None
    return client_schema(result.data)


def _json_body(errors: list[dict[str, Any]]) -> bytes:
    return json.dumps({"data": None, "errors": errors}).encode()


def test_a_5xx_and_an_internal_error_are_failures_every_other_answer_is_not() -> None:
    internal = {"message": "boom\nat line 2", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
    assert problems(500, b"Internal Server Error") == ["HTTP 500"]
    assert problems(503, _json_body([])) == ["HTTP 503"]
    assert problems(200, _json_body([internal])) == ["INTERNAL_SERVER_ERROR: boom"]
    for code in ("RATE_LIMITED", "BAD_USER_INPUT", "NOT_FOUND", "GRAPHQL_PARSE_FAILED"):
        assert problems(200, _json_body([{"message": "x", "extensions": {"code": code}}])) == []
    assert (
        problems(429, _json_body([{"message": "x", "extensions": {"code": "RATE_LIMITED"}}])) == []
    )
    assert problems(413, b"Payload Too Large") == []
    assert problems(200, b'{"data": {"ping": "pong"}}') == []


def test_every_root_field_at_every_depth_is_a_valid_operation(
    schema: graphql.GraphQLSchema,
) -> None:
    for root in root_fields(schema):
        for depth in range(4):
            query = document(root, selection(schema, root.field.type, depth))
            assert graphql.validate(schema, graphql.parse(query)) == [], (root.label, depth, query)
        ids = selection(schema, root.field.type, 4, ids=True)
        if ids:
            query = document(root, ids)
            assert graphql.validate(schema, graphql.parse(query)) == [], (root.label, query)


def _value_at(value: Any, path: list[str | int]) -> Any:
    for step in path:
        value = value[step]
    return value


def _steps(path: str) -> list[str | int]:
    return [
        int(p) if p.isdigit() else p for p in path.replace("[", ".").replace("]", "").split(".")
    ]


def test_the_boundary_pass_varies_every_argument_and_input_field_one_at_a_time(
    schema: graphql.GraphQLSchema,
) -> None:
    for root in root_fields(schema):
        cases = list(boundary_cases(root, POOL))
        covered = {case.path for case in cases}
        for name, arg in root.field.args.items():
            for leaf in input_leaves(arg.type):
                path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in (name, *leaf))
                assert path.lstrip(".") in covered, (root.label, path)
        context = root.name[:1].upper() + root.name[1:]
        expected = [
            (label, value)
            for name, arg in root.field.args.items()
            for _, label, value in variations(arg.type, name, context, POOL)
        ]
        assert [case.label for case in cases] == [label for label, _ in expected]
        for case, (_, value) in zip(cases, expected, strict=True):
            changed = _value_at(case.variables, _steps(case.path))
            assert changed is value or (changed == value and type(changed) is type(value)), case


def test_baselines_fill_in_required_arguments_and_existing_ids(
    schema: graphql.GraphQLSchema,
) -> None:
    roots = {root.name: root for root in root_fields(schema)}
    assert baseline_arguments(roots["course"], POOL) == {"id": POOL.by_type["Course"][0]}
    assert baseline_arguments(roots["course"], POOL, optional_ids=False) == {}
    assert baseline_arguments(roots["quizAttempt"], POOL) == {"id": POOL.by_type["QuizAttempt"][0]}
    assert (
        baseline_arguments(roots["addModule"], POOL)["input"]["courseId"]
        == POOL.by_type["Course"][0]
    )
    assert POOL.type_for("prerequisiteModuleId") == "CourseModule"
    assert POOL.type_for("studentId") == "User"
    answer = baseline_arguments(roots["saveQuizAnswer"], POOL)["input"]["answer"]
    assert len(answer) == 1  # a @oneOf input gets exactly one member


def test_destructive_mutations_come_last_children_before_parents(
    schema: graphql.GraphQLSchema,
) -> None:
    names = [root.name for root in root_fields(schema)]
    assert names.index("deleteLesson") < names.index("deleteModule") < names.index("deleteCourse")
    assert max(
        names.index(n) for n in ("createCourse", "addModule", "updateProfile")
    ) < names.index("deleteLesson")


def test_raw_json_goes_into_the_body_as_it_is() -> None:
    body = encode("query($v: JSON) { x }", {"v": RawJSON("[[[]]]", "deep"), "w": ["a\x00"]})
    assert json.loads(body) == {
        "query": "query($v: JSON) { x }",
        "variables": {"v": [[[]]], "w": ["a\x00"]},
    }
    assert abbreviate({"v": RawJSON("[[[]]]", "deep"), "s": "a" * 1000}) == {
        "v": "<raw JSON: deep>",
        "s": "<1,000 chars: 'aaaaaaaaaaaaaaaaaaaa'…>",
    }


@given(JSON_VALUES)
def test_generated_json_values_are_graphql_literals_of_the_same_value(value: Any) -> None:
    assert graphql.value_from_ast_untyped(value_node(value)) == value


def test_a_failure_names_the_exception_and_the_deepest_frame_of_ours(tmp_path: Path) -> None:
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "/x/.venv/lib/python3.11/site-packages/strawberry/schema.py", line 9, in execute\n'
        '  File "/work/main/resolvers/catalog.py", line 40, in courses\n'
        '  File "/work/main/app/pagination.py", line 77, in paginate\n'
        '  File "/x/.venv/lib/python3.11/site-packages/asyncpg/protocol.py", line 5, in bind\n'
        "asyncpg.exceptions.DataError: invalid input for query argument $3: 2147483648\n"
    )
    summary = (
        "asyncpg.exceptions.DataError: invalid input for query argument $3: 2147483648"
        " (app/pagination.py:77 in paginate)"
    )
    assert exception_summary(traceback) == summary
    log = tmp_path / "server.log"
    log.write_text(
        json.dumps({"event": "request", "request_id": "r1"})
        + "\n"
        + json.dumps({"event": "failed", "request_id": "r2", "exception": "Other: x"})
        + "\n"
        + json.dumps({"event": "failed", "request_id": "r1", "exception": traceback})
        + "\n"
    )
    assert ServerLog(log).causes(0, "r1", wait=False) == [summary]
    failures = [
        Failure("admin", "Query.courses", "first = 1", "q", {}, ["x"], 200, "", rid, [cause])
        for rid, cause in [("r1", summary), ("r2", summary.replace("$3: 2147483648", "$2: 99"))]
    ]
    assert failures[0].signature == failures[1].signature  # one bug, whatever the numbers
