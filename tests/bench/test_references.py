"""The reference servers of `make bench`: the payload floor, PostGraphile's catalogue and course
pages, and the ratio table the run ends with."""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from graphql import FieldNode, OperationDefinitionNode, SelectionSetNode, parse
from hypothesis import given
from hypothesis import strategies as st

from app.accounts.models import User
from app.catalog.models import Course, CourseInstructorRole, CourseStatus
from app.catalog.repo.instructors import stats_by_user_ids
from app.db import Database
from app.learning.models import EnrollmentStatus
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
    create_reference_functions,
    detail_bodies,
    postgraphile_catalog_bodies,
    postgraphile_detail_bodies,
    postgraphile_search_bodies,
    search_results_bodies,
)
from bench.report import Row, comparison_lines, table
from bench.run import (
    INSTRUCTOR_NUMBERS,
    _free_port,
    _selected,
    catalog_cards,
    course_outline,
    search_slugs,
)
from bench.servers import postgraphile_command, postgraphile_missing, start_server
from bench.wrk import parse_output
from tests.instructors.support import join, public_instructor, rate
from tests.support import catalog as f
from tests.support.accounts import make_user
from tests.support.catalog import person
from tests.support.graphql import GraphQLClient


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
    numbers = {"totalStudents": 3, "totalCourses": 2, "reviewCount": 4}
    api: dict[str, Any] = {
        "course": {
            "slug": "s",
            "title": "T",
            "instructor": {"fullName": "A B", "title": "Dr", "rating": 4.25, **numbers},
            "modules": [{"title": "M1", "lessons": lessons}, {"title": "M2", "lessons": []}],
        }
    }
    reference = {
        "courseBySlug": {
            "slug": "s",
            "title": "T",
            "userByInstructorId": {
                "firstName": "A",
                "instructorProfileByUserId": {"title": "Dr", "rating": "4.25", **numbers},
            },
            "courseModulesByCourseId": {
                "nodes": [
                    {"title": "M1", "lessonsByModuleId": {"nodes": lessons}},
                    {"title": "M2", "lessonsByModuleId": {"nodes": []}},
                ]
            },
        }
    }

    shown = {"totalStudents": 3, "totalCourses": 2, "reviewCount": 4, "rating": 4.25}
    assert course_outline(api) == course_outline(reference) == ("s", "T", ("M1", "M2"), 2, shown)
    reordered = {"course": {**api["course"], "modules": api["course"]["modules"][::-1]}}
    assert course_outline(reordered) != course_outline(reference)
    fewer = {**api["course"]["instructor"], "totalStudents": 2}
    other = {"course": {**api["course"], "instructor": fewer}}
    assert course_outline(other) != course_outline(reference)
    assert course_outline({"course": None}) is None
    assert course_outline(None) is None


def test_catalog_cards_read_both_servers_instructor_rating_alike() -> None:
    api = {"courses": {"edges": [{"node": {"slug": "a", "instructor": {"rating": 4.5}}}]}}
    ref = {
        "allCourses": {
            "edges": [
                {
                    "node": {
                        "slug": "a",
                        "userByInstructorId": {"instructorProfileByUserId": {"rating": "4.50"}},
                    }
                }
            ]
        }
    }
    unrated = {"courses": {"edges": [{"node": {"slug": "a", "instructor": {"rating": None}}}]}}

    assert catalog_cards(api) == catalog_cards(ref) == [("a", {"rating": 4.5})]
    assert catalog_cards(unrated) != catalog_cards(ref)
    assert catalog_cards(None) == catalog_cards({"allCourses": None}) == []


def _instructor_fields(query: str, selection: tuple[str, ...]) -> set[str]:
    """The fields the instructor's selection of a document asks (the API's `instructor`, the
    reference's `userByInstructorId { instructorProfileByUserId }`)."""
    found: set[str] = set()

    def walk(node: SelectionSetNode | None, path: tuple[str, ...]) -> None:
        for field in node.selections if node else ():
            assert isinstance(field, FieldNode)
            here = (*path, field.name.value)
            if here[-len(selection) :] == selection and field.selection_set:
                found.update(
                    f.name.value for f in field.selection_set.selections if isinstance(f, FieldNode)
                )
            walk(field.selection_set, here)

    for definition in parse(query).definitions:
        assert isinstance(definition, OperationDefinitionNode)
        walk(definition.selection_set, ())
    return found


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(catalog_bodies, postgraphile_catalog_bodies), (detail_bodies, postgraphile_detail_bodies)],
    ids=["catalogPage", "courseDetail"],
)
def test_the_reference_asks_for_the_instructor_numbers_the_api_computes(
    ours: Callable[..., list[str]], theirs: Callable[..., list[str]]
) -> None:
    """Like for like: every computed instructor number the API's page asks for (a count or the
    rating, computed from the courses taught) is asked of the reference too, which computes it
    the same way (bench/postgraphile/instructorStats.sql)."""
    args = (["a-course"],) if ours is detail_bodies else ()
    api = _instructor_fields(json.loads(ours(*args)[0])["query"], ("instructor",))
    reference = _instructor_fields(
        json.loads(theirs(*args)[0])["query"], ("userByInstructorId", "instructorProfileByUserId")
    )

    asked = api & set(INSTRUCTOR_NUMBERS)
    assert "rating" in asked
    assert asked <= reference
    assert {"title"} <= api & reference


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


# --- the instructor numbers the reference computes (bench/postgraphile/instructorStats.sql) -----

REFERENCE_FUNCTIONS = (
    "search_courses(text)",
    *(f"instructor_profiles_{n}(instructor_profiles)" for n in ("total_courses", "total_students")),
    *(f"instructor_profiles_{n}(instructor_profiles)" for n in ("review_count", "rating")),
)


@dataclass
class Teaching:
    teacher: User
    other: User
    unrated: User
    owned: Course
    shared: Course


async def _teaching(database: Database) -> Teaching:
    """Every case of app/catalog/teaching_sql.py: owned, co-instructed, assisted (not counted)
    and draft (not counted) courses; active, completed (counted) and dropped, refunded (not
    counted) enrollments, one student in two courses; reviews with and without a rating."""
    teacher, _ = await public_instructor(database)
    other, _ = await public_instructor(database)
    unrated, _ = await public_instructor(database)
    owned = await f.course(database, teacher.id, title="Owned")
    shared = await f.course(database, other.id, title="Shared")
    assisted = await f.course(database, other.id, title="Assisted")
    draft = await f.course(database, teacher.id, title="Draft", status=CourseStatus.DRAFT)
    await f.course(database, unrated.id, title="Unrated")
    await join(database, shared, teacher)
    await join(database, assisted, teacher, CourseInstructorRole.TEACHING_ASSISTANT)
    await rate(database, owned, "4.00", 3)
    await rate(database, shared, "5.00", 1)
    await rate(database, assisted, "1.00", 50)
    await rate(database, draft, "1.00", 9)
    both, once, done, gone = [await person(database) for _ in range(4)]
    for student, course, status in [
        (both, owned, EnrollmentStatus.ACTIVE),
        (both, shared, EnrollmentStatus.ACTIVE),
        (once, owned, EnrollmentStatus.ACTIVE),
        (done, shared, EnrollmentStatus.COMPLETED),
        (gone, owned, EnrollmentStatus.DROPPED),
        (gone, shared, EnrollmentStatus.REFUNDED),
        (gone, draft, EnrollmentStatus.ACTIVE),
        (once, assisted, EnrollmentStatus.ACTIVE),
    ]:
        await f.enroll(database, student.id, course.id, status)
    return Teaching(teacher, other, unrated, owned, shared)


@asynccontextmanager
async def _reference_functions(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """The reference server's functions created in the test database as `make bench` creates
    them in the bench database (dropped again after)."""
    await create_reference_functions(database_url)
    conn = await asyncpg.connect(plain_dsn(database_url))
    try:
        yield conn
    finally:
        for function in REFERENCE_FUNCTIONS:
            await conn.execute(f"DROP FUNCTION IF EXISTS public.{function}")
        await conn.close()


async def test_the_reference_computes_the_instructor_numbers_the_api_computes(
    database: Database, service_urls: tuple[str, str]
) -> None:
    """instructorStats.sql answers what app/catalog/teaching_sql.py answers, for every case."""
    made = await _teaching(database)
    users = [made.teacher.id, made.other.id, made.unrated.id]
    async with database.session() as session:
        api = await stats_by_user_ids(session, users)

    async with _reference_functions(service_urls[0]) as conn:
        rows = await conn.fetch(
            "SELECT p.user_id, instructor_profiles_total_courses(p) AS courses, "
            "instructor_profiles_total_students(p) AS students, "
            "instructor_profiles_review_count(p) AS reviews, "
            "instructor_profiles_rating(p) AS rating "
            "FROM instructor_profiles p"
        )
    reference = {
        r["user_id"]: (r["courses"], r["students"], r["reviews"], r["rating"]) for r in rows
    }

    assert [reference[u] for u in users] == [
        (s.course_count, s.student_count, s.review_count, s.rating) for s in api
    ]
    assert reference[made.teacher.id] == (2, 3, 4, Decimal("4.25"))  # (4 * 3 + 5) / 4
    assert reference[made.other.id] == (2, 3, 51, Decimal("1.08"))  # (5 + 1 * 50) / 51
    assert reference[made.unrated.id] == (1, 0, 0, None)


async def test_postgraphile_pages_show_the_instructor_numbers_of_the_apis(
    client: GraphQLClient,
    database: Database,
    service_urls: tuple[str, str],
    tmp_path: Path,
) -> None:
    """The running reference server (its computed columns) and the API answer the same
    instructor numbers on the catalogue page and the course pages, as `make bench` compares
    them (bench/run.py: catalog_cards, course_outline)."""
    missing = postgraphile_missing()
    assert missing is None, missing  # `make test` installs it, as `make bench` does
    made = await _teaching(database)
    slugs = [str(made.owned.slug), str(made.shared.slug)]

    async with _reference_functions(service_urls[0]):
        port = _free_port()
        server = start_server(
            "postgraphile",
            postgraphile_command(port, plain_dsn(service_urls[0])),
            env={**os.environ, "NODE_ENV": "production"},
            logs=tmp_path,
            health_path="/healthz",
            port=port,
        )
        try:
            json_post = {"content-type": "application/json"}
            async with httpx.AsyncClient(
                base_url=server.base_url, timeout=30, headers=json_post
            ) as http:
                pages = [
                    (await http.post("/graphql", content=b)).json()
                    for b in [postgraphile_catalog_bodies()[0], *postgraphile_detail_bodies(slugs)]
                ]
        finally:
            server.stop()

    for answer in pages:
        assert "errors" not in answer, answer["errors"]
    catalog, *details = pages
    api_catalog = json.loads(catalog_bodies()[0])
    ours = await client.execute(api_catalog["query"], api_catalog["variables"])
    assert catalog_cards(ours.data) == catalog_cards(catalog["data"])
    assert {n["rating"] for _, n in catalog_cards(ours.data)} == {4.25, 1.08, None}
    outlines = []
    for slug, reference in zip(slugs, details, strict=True):
        api_detail = json.loads(detail_bodies([slug])[0])
        ours = await client.execute(api_detail["query"], api_detail["variables"])
        assert not ours.errors, ours.errors
        outline = course_outline(ours.data)
        assert outline is not None
        assert outline == course_outline(reference["data"])
        outlines.append(outline)
    assert outlines[0][-1] == {
        "totalStudents": 3,
        "totalCourses": 2,
        "reviewCount": 4,
        "rating": 4.25,
    }
    assert outlines[1][-1] == {
        "totalStudents": 3,
        "totalCourses": 2,
        "reviewCount": 51,
        "rating": 1.08,
    }
