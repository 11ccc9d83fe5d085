"""The reference servers of `make bench`: the payload floor, PostGraphile's catalogue page, and the
ratio table the run ends with."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import httpx
import pytest

from bench.plan import (
    LEVELS,
    POSTGRAPHILE_ORDER,
    SORTS,
    build_scenarios,
    catalog_bodies,
    postgraphile_catalog_bodies,
)
from bench.report import Row, comparison_lines, table
from bench.run import _selected
from bench.wrk import parse_output


def _result(requests: int) -> str:
    return (
        f'BENCH_RESULT {{"requests": {requests}, "duration_us": 10000000, "bytes": 1, '
        '"errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}, '
        '"latency_us": {"p50": 1000, "p90": 2000, "p99": 3000, "max": 4000, "mean": 1000.0}}'
    )


BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"


def _floor_app(monkeypatch: pytest.MonkeyPatch, payload: Path | None) -> object:
    """bench/floor.py imported afresh, as uvicorn does (`floor:app --app-dir bench`)."""
    if payload is None:
        monkeypatch.delenv("BENCH_FLOOR_PAYLOAD", raising=False)
    else:
        monkeypatch.setenv("BENCH_FLOOR_PAYLOAD", str(payload))
    monkeypatch.syspath_prepend(str(BENCH_DIR))
    return importlib.reload(importlib.import_module("floor")).app


def _http(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://floor")  # type: ignore[arg-type]


async def test_payload_floor_answers_the_file_it_was_started_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = json.dumps({"data": {"courses": {"edges": [{"node": {"slug": "x"}}]}}}).encode()
    (tmp_path / "page.json").write_bytes(page)
    app = _floor_app(monkeypatch, tmp_path / "page.json")

    async with _http(app) as http:
        answer = await http.post("/payload", content=catalog_bodies()[0])
        small = await http.post("/", content="{}")

    assert answer.status_code == 200
    assert answer.content == page
    assert answer.headers["content-type"] == "application/json"
    assert small.json() == {"data": {"ping": "pong"}}


async def test_payload_floor_without_a_payload_is_not_measured_as_fast(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with _http(_floor_app(monkeypatch, None)) as http:
        assert (await http.post("/payload", content="{}")).status_code == 503


def test_postgraphile_asks_for_the_same_pages_in_the_same_order() -> None:
    ours = [json.loads(b)["variables"] for b in catalog_bodies()]
    theirs = [json.loads(b)["variables"] for b in postgraphile_catalog_bodies()]

    assert set(POSTGRAPHILE_ORDER) == set(SORTS)
    assert len(theirs) == len(ours) == len(SORTS) + len(LEVELS)
    for api, reference in zip(ours, theirs, strict=True):
        assert reference["first"] == api["first"] == 20
        assert reference["orderBy"] == POSTGRAPHILE_ORDER[api["sort"]]
        assert reference["orderBy"][-1].startswith("PRIMARY_KEY_")  # a total order, like ours
        level = (api.get("filter") or {}).get("level")
        expected = {"status": "published", **({"level": level.lower()} if level else {})}
        assert reference["condition"] == expected
    query = json.loads(postgraphile_catalog_bodies()[0])["query"]
    for nested in ("lessonsByModuleId", "coursePricingTiersByCourseId", "courseTagsByCourseId"):
        assert nested in query


def test_only_a_compared_scenario_brings_its_reference_along() -> None:
    names = [s.name for s in _selected(build_scenarios(["a-course"]), "catalogPage")]

    assert names == [
        "floor",
        "catalogPage (signed in)",
        "PostGraphile catalogPage",
        "catalogPage",
        "floor (payload)",
    ]


def test_ratio_table_divides_the_api_by_its_reference() -> None:
    def row(name: str, requests: int, statements: float | None, cpu_ms: float, size: int) -> Row:
        return Row(
            name,
            name,
            parse_output(_result(requests)),
            statements_per_request=statements,
            cpu_ms_per_request=cpu_ms,
            response_bytes=size,
        )

    rows = [
        row("floor", 100_000, None, 0.05, 24),
        row("ping", 10_000, 0.0, 0.5, 99),
        row("catalogPage (signed in)", 500, 9.0, 20.0, 13_867),
        row("PostGraphile catalogPage", 2_000, 2.0, 4.0, 13_280),
        Row("me", "me", skipped="Cannot query field 'me'"),
    ]

    lines = comparison_lines(rows, same_courses="yes, all 9 pages")
    by_api = {line.split(" | ")[0].lstrip("| "): line for line in lines if line.startswith("| ")}

    assert "| 0.250 | 5.00 | 9.00 / 2.00 | 13,867 / 13,280 |" in by_api["catalogPage (signed in)"]
    assert "| ping | floor | 0.100 | 10.00 | 0.00 / — |" in by_api["ping"]
    assert "not measured: catalogPage and floor (payload)" in by_api["catalogPage"]
    assert "not measured: me" in by_api["me"]
    assert "Same courses from both servers: yes, all 9 pages." in lines


def test_table_shows_cpu_per_request_and_response_bytes() -> None:
    row = Row(
        "catalogPage",
        "page",
        parse_output(_result(500)),
        statements_per_request=0.0,
        cache="HIT",
        cpu_ms_per_request=1.25,
        response_bytes=13_862,
    )

    line = table([row], floor_rps=None).splitlines()[2]

    assert line.endswith("| HIT | 500 | 0 | 1.250 | 13,862 |")
