"""The bench's operations stay valid as the schema changes (else they fail at bench time)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from schema.root import schema

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "bench" / "scenarios").glob("*.graphql"))


def test_there_are_scenarios() -> None:
    assert {p.stem for p in SCENARIOS} >= {
        "catalogPage",
        "courseDetail",
        "searchCourses",
        "instructorDashboard",
    }


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_every_bench_scenario_validates_against_the_schema(scenario: Path) -> None:
    errors = validate(schema._schema, parse(scenario.read_text()))
    assert [e.message for e in errors] == []
