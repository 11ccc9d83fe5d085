"""The reference servers of `make bench`: the payload floor, PostGraphile's catalogue and course
pages, and the ratio table the run ends with."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.db import Database
from app.search.postgres import WEIGHTS
from bench.generate import plain_dsn
from bench.plan import (
    LEVELS,
    POSTGRAPHILE_ORDER,
    POSTGRAPHILE_SEARCH_FUNCTION,
    SEARCH_TERMS,
    SORTS,
    TYPO_QUERIES,
    build_scenarios,
    catalog_bodies,
    detail_bodies,
    postgraphile_catalog_bodies,
    postgraphile_detail_bodies,
    postgraphile_search_bodies,
    search_results_bodies,
)
from bench.report import Row, comparison_lines, table
from bench.run import _selected, course_outline, search_slugs
from bench.wrk import parse_output
from tests.support.accounts import make_user


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


async def test_the_stack_floors_execute_graphql_and_read_postgresql(
    monkeypatch: pytest.MonkeyPatch, database: Database, service_urls: tuple[str, str]
) -> None:
    """`floor (graphql-core)` really executes the document and `floor (one read)` really reads
    a user from PostgreSQL: their ratios bound what the API can reach (docs/benchmarks.md)."""
    user = await make_user(database, email="floor@example.com")
    monkeypatch.setenv("BENCH_FLOOR_DATABASE_URL", plain_dsn(service_urls[0]))
    app = _floor_app(monkeypatch, None)
    try:
        async with _http(app) as http:
            executed = await http.post("/graphql-core", content='{"query": "{ ping }"}')
            read = await http.post("/one-read", content='{"query": "{ me { id } }"}')
    finally:
        pool = importlib.import_module("floor")._pool
        if pool is not None:
            await pool.close()

    assert executed.json() == {"data": {"ping": "pong"}}
    assert read.json() == {"data": {"me": {"id": str(user.id), "email": "floor@example.com"}}}


async def test_the_one_read_floor_without_a_database_is_not_measured_as_fast(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BENCH_FLOOR_DATABASE_URL", raising=False)
    async with _http(_floor_app(monkeypatch, None)) as http:
        assert (await http.post("/one-read", content="{}")).status_code == 503


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


SLUGS = st.lists(st.from_regex(r"[a-z0-9][a-z0-9-]{0,30}", fullmatch=True), max_size=8)


@given(SLUGS)
def test_postgraphile_asks_for_the_same_course_pages_in_the_same_order(slugs: list[str]) -> None:
    ours = [json.loads(b)["variables"] for b in detail_bodies(slugs)]
    theirs = [json.loads(b)["variables"] for b in postgraphile_detail_bodies(slugs)]

    assert theirs == ours == [{"slug": s} for s in slugs]


def test_postgraphile_course_page_asks_for_the_nested_data_of_ours() -> None:
    reference = json.loads(postgraphile_detail_bodies(["a-course"])[0])

    assert reference["operationName"] == "PostgraphileCourseDetail"
    for nested in (
        "courseBySlug(slug: $slug)",
        "categoryByCategoryId",
        "instructorProfileByUserId",
        "courseTagsByCourseId",
        "courseRequirementsByCourseId(orderBy: [SORT_ORDER_ASC])",
        "courseObjectivesByCourseId(orderBy: [SORT_ORDER_ASC])",
        "coursePricingTiersByCourseId(condition: { isActive: true })",
        "courseModulesByCourseId(orderBy: [ORDER_NUMBER_ASC])",
        "lessonsByModuleId(orderBy: [ORDER_NUMBER_ASC])",
        "contentText contentUrl",
    ):
        assert nested in reference["query"]


def test_the_course_page_runs_next_to_its_reference() -> None:
    scenarios = build_scenarios(["a-course", "b-course"])
    names = [s.name for s in scenarios]
    reference = scenarios[names.index("PostGraphile courseDetail")]

    assert names[names.index("courseDetail (signed in)") + 1] == "PostGraphile courseDetail"
    assert (reference.target, reference.root_field) == ("postgraphile", "courseBySlug")
    assert reference.bodies == postgraphile_detail_bodies(["a-course", "b-course"])
    assert [s.name for s in _selected(build_scenarios(["a-course"]), "courseDetail")] == [
        "floor",
        "courseDetail",
        "courseDetail (signed in)",
        "PostGraphile courseDetail",
    ]


def test_course_outline_reads_both_servers_answers_alike() -> None:
    lessons = [{"title": "one"}, {"title": "two"}]
    api = {
        "course": {
            "slug": "s",
            "title": "T",
            "modules": [{"title": "M1", "lessons": lessons}, {"title": "M2", "lessons": []}],
        }
    }
    reference = {
        "courseBySlug": {
            "slug": "s",
            "title": "T",
            "courseModulesByCourseId": {
                "nodes": [
                    {"title": "M1", "lessonsByModuleId": {"nodes": lessons}},
                    {"title": "M2", "lessonsByModuleId": {"nodes": []}},
                ]
            },
        }
    }

    assert course_outline(api) == course_outline(reference) == ("s", "T", ("M1", "M2"), 2)
    reordered = {"course": {**api["course"], "modules": api["course"]["modules"][::-1]}}
    assert course_outline(reordered) != course_outline(reference)
    assert course_outline({"course": None}) is None
    assert course_outline(None) is None


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
        row("courseDetail (signed in)", 3_000, 6.0, 3.0, 9_000),
        row("PostGraphile courseDetail", 2_000, 1.0, 2.0, 10_000),
        Row("me", "me", skipped="Cannot query field 'me'"),
    ]

    lines = comparison_lines(
        rows, same_courses="yes, all 9 pages", same_course_pages="yes, all 200 slugs"
    )
    by_api = {line.split(" | ")[0].lstrip("| "): line for line in lines if line.startswith("| ")}

    assert "| 0.250 | 5.00 | 9.00 / 2.00 | 13,867 / 13,280 |" in by_api["catalogPage (signed in)"]
    assert "| ping | floor | 0.100 | 10.00 | 0.00 / — |" in by_api["ping"]
    assert "not measured: catalogPage and floor (payload)" in by_api["catalogPage"]
    assert "not measured: me" in by_api["me"]
    assert "| 1.500 | 1.50 | 6.00 / 1.00 | 9,000 / 10,000 |" in by_api["courseDetail (signed in)"]
    assert "PostGraphile courseDetail" in by_api["courseDetail (signed in)"]
    assert "Same courses from both servers: yes, all 9 pages." in lines
    assert "Same course pages from both servers: yes, all 200 slugs." in lines


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


def test_postgraphile_searches_for_the_same_terms_in_the_same_order() -> None:
    ours = [json.loads(b)["variables"] for b in search_results_bodies()]
    theirs = [json.loads(b)["variables"] for b in postgraphile_search_bodies()]

    assert len(ours) == SEARCH_TERMS
    assert [{"q": v["query"], "first": v["first"]} for v in ours] == theirs
    assert all(v["first"] == 20 for v in theirs)
    assert not {v["query"] for v in ours} & set(TYPO_QUERIES)  # the reference corrects nothing


def test_the_reference_search_ranks_as_the_api_does() -> None:
    """The SQL function PostGraphile exposes uses the API's match, weights and tie-break."""
    sql = " ".join(POSTGRAPHILE_SEARCH_FUNCTION.read_text(encoding="utf-8").split())

    assert WEIGHTS.removesuffix("::real[]") in sql
    assert "websearch_to_tsquery('english', q)" in sql
    assert "c.status = 'published'" in sql
    assert sql.rstrip("$; ").endswith("c.id DESC")  # ties by id, in the first key's direction


def test_the_search_results_run_next_to_their_reference_and_are_never_cached() -> None:
    scenarios = build_scenarios(["a-course"])
    names = [s.name for s in scenarios]
    reference = scenarios[names.index("PostGraphile searchResults")]

    assert names[names.index("searchResults (signed in)") + 1] == "PostGraphile searchResults"
    assert (reference.target, reference.root_field) == ("postgraphile", "searchCourses")
    assert not reference.cacheable  # another server: there is no response cache to probe
    assert [s.name for s in _selected(scenarios, "searchResults")] == [
        "floor",
        "searchResults (signed in)",
        "PostGraphile searchResults",
    ]


def test_search_slugs_read_both_servers_answers_alike() -> None:
    api = {
        "searchCourses": {"edges": [{"node": {"slug": "a", "id": "x"}}, {"node": {"slug": "b"}}]}
    }
    ref = {
        "searchCourses": {"edges": [{"node": {"slug": "a", "rowId": 1}}, {"node": {"slug": "b"}}]}
    }

    assert search_slugs(api) == search_slugs(ref) == ["a", "b"]
    assert search_slugs({"searchCourses": None}) is None
