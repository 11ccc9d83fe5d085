"""The scenarios: what each one sends, to which server, as whom, and what it measures."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.dataset import ANCHOR, search_terms
from bench.generate import plain_dsn

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
# the reference server's queries live beside it: bench/scenarios/ holds only the API's documents
# (tests/bench validates every one of them against the API's schema)
POSTGRAPHILE_DIR = Path(__file__).resolve().parent / "postgraphile"
POSTGRAPHILE_DOCUMENT = POSTGRAPHILE_DIR / "catalogPage.graphql"
POSTGRAPHILE_DETAIL_DOCUMENT = POSTGRAPHILE_DIR / "courseDetail.graphql"
POSTGRAPHILE_SEARCH_DOCUMENT = POSTGRAPHILE_DIR / "searchResults.graphql"
# the SQL functions PostGraphile exposes (created before it starts): its search, and the
# instructor numbers the API computes (computed columns of InstructorProfile)
POSTGRAPHILE_SEARCH_FUNCTION = POSTGRAPHILE_DIR / "searchCourses.sql"
POSTGRAPHILE_INSTRUCTOR_FUNCTIONS = POSTGRAPHILE_DIR / "instructorStats.sql"
POSTGRAPHILE_FUNCTIONS = (POSTGRAPHILE_SEARCH_FUNCTION, POSTGRAPHILE_INSTRUCTOR_FUNCTIONS)
SEARCH_TERMS = 40
LUA_SCRIPT = SCENARIO_DIR / "graphql.lua"
SORTS = ("POPULARITY", "RATING", "NEWEST", "PRICE_ASC", "PRICE_DESC", "TRENDING")
LEVELS = ("BEGINNER", "INTERMEDIATE", "ADVANCED")
SLUG_SAMPLE = 200
TYPO_QUERIES = ("pyhton", "javascrpt", "kubernets", "photshop")


@dataclass(frozen=True)
class Scenario:
    name: str
    measures: str
    # "api" (POST /graphql), "floor" (POST / on the bare Starlette app) or "postgraphile" (POST
    # /graphql on the PostGraphile v5 reference server)
    target: str
    root_field: str | None  # the Query field it needs; None for the floor
    bodies: list[str] = field(default_factory=list)  # JSON request bodies, rotated in turn
    signed_in: bool = False  # send the student's Bearer token (never served from the cache)
    path: str | None = None  # another route than the target's default ("/payload" on the floor)
    as_instructor: bool = False  # signed in as instructor000 instead of the student

    @property
    def cacheable(self) -> bool:
        return (
            self.target == "api"
            and not self.signed_in
            and self.root_field in {"courses", "course", "searchCourses"}
        )


def body(document: str, variables: dict[str, Any] | None = None) -> str:
    """One GraphQL-over-HTTP POST body on one line; the operation name is the document's."""
    name = document.split("query ", 1)[1].split("(", 1)[0].split("{", 1)[0].strip()
    payload: dict[str, Any] = {"query": document, "operationName": name}
    if variables:
        payload["variables"] = variables
    return json.dumps(payload, separators=(",", ":"))


def document(name: str, path: Path | None = None) -> str:
    """A scenario's query from bench/scenarios/<name>.graphql, without its comment lines."""
    text = (path or SCENARIO_DIR / f"{name}.graphql").read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


async def sample_slugs(database_url: str, count: int = SLUG_SAMPLE) -> list[str]:
    """A fixed pseudo-random sample of published course slugs (the same on every run)."""
    conn = await asyncpg.connect(plain_dsn(database_url))
    try:
        rows = await conn.fetch(
            "SELECT slug FROM courses WHERE status = 'published' ORDER BY md5(slug) LIMIT $1",
            count,
        )
    finally:
        await conn.close()
    return [r["slug"] for r in rows]


def catalog_bodies() -> list[str]:
    doc = document("catalogPage")
    bodies = [body(doc, {"sort": s, "first": 20}) for s in SORTS]
    bodies += [
        body(doc, {"sort": "POPULARITY", "first": 20, "filter": {"level": lv}}) for lv in LEVELS
    ]
    return bodies


# the API's CourseSort as PostGraphile orderBy (app/catalog/filters.py: course_sort_keys; ties
# broken by id in the direction of the first key; a missing rating sorts as 0, i.e. last)
POSTGRAPHILE_ORDER = {
    "POPULARITY": ["ENROLLMENT_COUNT_DESC", "PRIMARY_KEY_DESC"],
    "RATING": ["AVERAGE_RATING_DESC", "REVIEW_COUNT_DESC", "PRIMARY_KEY_DESC"],
    "NEWEST": ["PUBLISHED_AT_DESC", "PRIMARY_KEY_DESC"],  # published courses all have one
    "PRICE_ASC": ["MIN_PRICE_MINOR_ASC", "PRIMARY_KEY_ASC"],
    "PRICE_DESC": ["MIN_PRICE_MINOR_DESC", "PRIMARY_KEY_DESC"],
    "TRENDING": ["TRENDING_SCORE_DESC", "PRIMARY_KEY_DESC"],
}


def postgraphile_catalog_bodies() -> list[str]:
    """catalog_bodies() for the reference server: the same 9 pages, in the same order."""
    doc = document("catalogPage", POSTGRAPHILE_DOCUMENT)

    def page(sort: str, level: str | None = None) -> str:
        condition = {"status": "published", **({"level": level.lower()} if level else {})}
        order = POSTGRAPHILE_ORDER[sort]
        return body(doc, {"orderBy": order, "condition": condition, "first": 20})

    return [page(s) for s in SORTS] + [page("POPULARITY", lv) for lv in LEVELS]


# the goals the run reports as ratios: (API scenario, reference scenario, what it compares)
COMPARISONS = (
    (
        "catalogPage (signed in)",
        "PostGraphile catalogPage",
        "the signed-in catalogue page vs PostGraphile v5 (same page, same database)",
    ),
    (
        "courseDetail (signed in)",
        "PostGraphile courseDetail",
        "the signed-in course page vs PostGraphile v5 (same slugs, same database)",
    ),
    (
        "searchResults (signed in)",
        "PostGraphile searchResults",
        "signed-in search results vs PostGraphile v5 over the same ranking (same terms, same "
        "database)",
    ),
    (
        "catalogPage",
        "floor (payload)",
        "the cached page vs returning the same bytes, pre-serialised",
    ),
    ("ping", "floor", "`{ ping }` vs the bare floor"),
    ("floor (graphql-core)", "floor", "graphql-core executing `{ ping }` alone vs the bare floor"),
    ("me", "floor", "signed-in `me` vs the bare floor"),
    ("floor (one read)", "floor", "one PostgreSQL round trip alone vs the bare floor"),
)


def detail_bodies(slugs: list[str]) -> list[str]:
    """One course page per slug, in the order given."""
    return [body(document("courseDetail"), {"slug": s}) for s in slugs]


def postgraphile_detail_bodies(slugs: list[str]) -> list[str]:
    """detail_bodies() for the reference server: `courseBySlug` for the same slugs, in order."""
    doc = document("courseDetail", POSTGRAPHILE_DETAIL_DOCUMENT)
    return [body(doc, {"slug": s}) for s in slugs]


def search_results_bodies() -> list[str]:
    """The search results pages (no facets) for the 40 bench search terms, in order; the
    misspelt queries are left out (the reference corrects no spelling)."""
    doc = document("searchResults")
    return [body(doc, {"query": q, "first": 20}) for q in search_terms(SEARCH_TERMS)]


def postgraphile_search_bodies() -> list[str]:
    """search_results_bodies() for the reference server: the same terms in the same order."""
    doc = document("searchResults", POSTGRAPHILE_SEARCH_DOCUMENT)
    return [body(doc, {"q": q, "first": 20}) for q in search_terms(SEARCH_TERMS)]


async def create_reference_functions(database_url: str) -> None:
    """Create (or replace) the reference server's SQL functions in the bench database: its
    search and the instructor numbers (POSTGRAPHILE_FUNCTIONS)."""
    conn = await asyncpg.connect(plain_dsn(database_url))
    try:
        for path in POSTGRAPHILE_FUNCTIONS:
            await conn.execute(path.read_text(encoding="utf-8"))
    finally:
        await conn.close()


# the days the bench rolls up (analytics) and the instructor dashboard's ranges, before the
# data set's "now"
ROLLUP_DAYS = 90
DASHBOARD_RANGES = (7, 30, 90)


def dashboard_bodies() -> list[str]:
    """instructorDashboard over the last 7, 30 and 90 days of the data set."""
    end = ANCHOR.date() - timedelta(days=1)
    return [
        body(
            document("instructorDashboard"),
            {"range": {"from": (end - timedelta(days=n - 1)).isoformat(), "to": end.isoformat()}},
        )
        for n in DASHBOARD_RANGES
    ]


async def roll_up_analytics(database_url: str) -> int:
    """Roll up the data set's last ROLLUP_DAYS days (idempotent: a rerun replaces them), so the
    dashboards read real rollups; how many days."""
    from app.analytics.rollups import roll_up_days
    from app.db import Database

    db = Database.from_url(database_url, pool_size=1, max_overflow=0)
    try:
        end = ANCHOR.date()
        days = [end - timedelta(days=i) for i in range(1, ROLLUP_DAYS + 1)]
        return len(await roll_up_days(db, None, days, today=end))
    finally:
        await db.dispose()


def soak_bodies(slugs: list[str]) -> list[str]:
    """The soak's mix, interleaved line by line so wrk's rotation alternates them: a catalogue
    page, a course page, `me`, again — as many of each as there are course pages (at least the
    9 catalogue pages), every one sent signed in like the scenarios they come from."""
    catalog, detail, me = catalog_bodies(), detail_bodies(slugs), [body(document("me"))]
    rounds = max(len(catalog), len(detail))
    mixed: list[str] = []
    for i in range(rounds):
        mixed.append(catalog[i % len(catalog)])
        if detail:
            mixed.append(detail[i % len(detail)])
        mixed.append(me[0])
    return mixed


def build_scenarios(slugs: list[str]) -> list[Scenario]:
    """In run order: each API scenario of a comparison runs next to its reference (A, B, A, B…)."""
    catalog = catalog_bodies()
    detail = detail_bodies(slugs)
    queries = [*search_terms(SEARCH_TERMS), *TYPO_QUERIES]
    search = [body(document("searchCourses"), {"query": q, "first": 20}) for q in queries]
    ping = [body(document("ping"))]
    return [
        Scenario("ping", "GraphQL stack without SQL (`{ ping }`)", "api", "ping", ping),
        Scenario("floor", "bare Starlette JSON endpoint, same uvicorn flags", "floor", None, ping),
        Scenario(
            "floor (graphql-core)",
            "the floor executing `{ ping }` with graphql-core alone (parsed and validated once, "
            "no context, no limits): what any server on Strawberry's executor starts from",
            "floor",
            None,
            ping,
            path="/graphql-core",
        ),
        Scenario(
            "me",
            "signed-in `me` with profile (token check + user loaders)",
            "api",
            "me",
            [body(document("me"))],
            signed_in=True,
        ),
        Scenario(
            "floor (one read)",
            "the floor answering after one asyncpg round trip (a user by primary key), no "
            "GraphQL: the least a signed-in `me` does",
            "floor",
            None,
            [body(document("me"))],
            path="/one-read",
        ),
        Scenario(
            "catalogPage (signed in)",
            "as catalogPage with a Bearer token: answered every time (planned read)",
            "api",
            "courses",
            catalog,
            signed_in=True,
        ),
        Scenario(
            "PostGraphile catalogPage",
            "the same 9 pages from the PostGraphile v5 reference server: `allCourses(first: 20)` "
            "+ the same nested data (bench/postgraphile/catalogPage.graphql)",
            "postgraphile",
            "allCourses",
            postgraphile_catalog_bodies(),
        ),
        Scenario(
            "catalogPage",
            "`courses(first: 20)` + category, instructor, tags, tiers, modules, lessons; "
            "6 sorts + 3 level filters",
            "api",
            "courses",
            catalog,
        ),
        Scenario(
            "floor (payload)",
            "the floor answering the cached catalogue page's bytes, serialised once at start",
            "floor",
            None,
            catalog,
            path="/payload",
        ),
        Scenario(
            "courseDetail",
            f"`course(slug:)` with everything nested; {len(slugs)} slugs in turn",
            "api",
            "course",
            detail,
        ),
        Scenario(
            "courseDetail (signed in)",
            "as courseDetail with a Bearer token: answered every time (planned read)",
            "api",
            "course",
            detail,
            signed_in=True,
        ),
        Scenario(
            "PostGraphile courseDetail",
            f"the same {len(slugs)} course pages from the PostGraphile v5 reference server: "
            "`courseBySlug(slug:)` + the same nested data "
            "(bench/postgraphile/courseDetail.graphql)",
            "postgraphile",
            "courseBySlug",
            postgraphile_detail_bodies(slugs),
        ),
        Scenario(
            "searchCourses",
            f"`searchCourses(query:, first: 20)`; {len(queries)} queries in turn (4 with typos)",
            "api",
            "searchCourses",
            search,
        ),
        Scenario(
            "searchCourses (signed in)",
            "as searchCourses with a Bearer token: answered every time (planned read)",
            "api",
            "searchCourses",
            search,
            signed_in=True,
        ),
        Scenario(
            "searchResults (signed in)",
            f"`searchCourses(query:, first: 20)` cards without facets; {SEARCH_TERMS} queries in "
            "turn, Bearer token: the search, its count for trending and the planned cards",
            "api",
            "searchCourses",
            search_results_bodies(),
            signed_in=True,
        ),
        Scenario(
            "PostGraphile searchResults",
            f"the same {SEARCH_TERMS} searches from the PostGraphile v5 reference server: "
            "`searchCourses(q:, first: 20)` over the API's ranking as a SQL function "
            "(bench/postgraphile/searchCourses.sql) + the same card data",
            "postgraphile",
            "searchCourses",
            postgraphile_search_bodies(),
        ),
        Scenario(
            "instructorDashboard",
            "`instructorDashboard(range:)` of instructor000's courses over the last 7, 30 and 90 "
            "days: rollup reads (2 statements), then served from the analytics cache",
            "api",
            "instructorDashboard",
            dashboard_bodies(),
            signed_in=True,
            as_instructor=True,
        ),
    ]
