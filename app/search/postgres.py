"""The PostgreSQL search backend (the default): full-text search over `courses.search_vector`.

Matching: `websearch_to_tsquery('english', query)` (words are ANDed; "quotes", OR and -word
work as on web search engines) against the GIN-indexed vector that app.search.indexer keeps.
Relevance: `ts_rank` with weights title 1.0, tags 0.3, instructor 0.08, description 0.02. For a
word, ts_rank scores a field between 0.61x and 1.6x its weight however often the word repeats,
so these gaps (> 2.6x) make one title hit outrank any number of tag hits, and so on down.
Pages are keyset pages over (rank, id); the rank is recomputed identically for every page.

When the query matches nothing, its unknown words are corrected from the vocabulary and the
corrected query is searched instead (reported as `corrected_query`).

A first page is counted for trending (`count_search`) by the facets statement itself (a
data-modifying CTE with the total it found), or by its own upsert when no facets are asked for:
a search page is the page, the facets and nothing else.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal_column, select
from sqlalchemy.dialects.postgresql import REAL
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from app.catalog.filters import CourseFilterArgs, course_filter_clauses, course_sort_keys
from app.catalog.models import Course, CourseStatus
from app.db import Database
from app.pagination import Page, PageRequest, SortKey, paginate
from app.search import indexer, spelling, suggest, trending
from app.search.facets import count_facets
from app.search.interface import SearchResult, SearchSort, Suggestion

WEIGHTS = "'{0.02,0.08,0.3,1.0}'::real[]"  # D (description), C (instructor), B (tags), A (title)


def ts_query(query: str) -> ColumnElement[Any]:
    return func.websearch_to_tsquery(literal_column("'english'::regconfig"), query)


def matches(query: str) -> ColumnElement[bool]:
    return Course.search_vector.bool_op("@@")(ts_query(query))


def relevance(query: str) -> ColumnElement[float]:
    return func.ts_rank(literal_column(WEIGHTS), Course.search_vector, ts_query(query), type_=REAL)


def conditions(query: str, filter_args: CourseFilterArgs) -> list[ColumnElement[bool]]:
    return [
        Course.status == CourseStatus.PUBLISHED,
        matches(query),
        *course_filter_clauses(filter_args),
    ]


class PostgresSearch:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def index_course(self, course_id: uuid.UUID) -> None:
        async with self.db.transaction() as session:
            await indexer.index_course(session, course_id)

    async def remove_course(self, course_id: uuid.UUID) -> None:
        async with self.db.transaction() as session:
            await indexer.remove_course(session, course_id)

    async def search_courses(
        self,
        query: str,
        filter_args: CourseFilterArgs,
        sort: SearchSort,
        request: PageRequest,
        *,
        with_total: bool,
        with_facets: bool = True,
        count_search: bool = False,
    ) -> SearchResult:
        async with self.db.session() as session:
            page = await _page(session, query, filter_args, sort, request, with_total, with_facets)
            corrected = None
            if not page.items and not await _any_match(session, query, filter_args, request):
                corrected = await spelling.correct_query(session, query)
                if corrected is not None:
                    page = await _page(
                        session, corrected, filter_args, sort, request, with_total, with_facets
                    )
            searched = corrected or query
            term = trending.normalise_query(searched) if count_search else ""
            facets = (
                await count_facets(
                    session, conditions(searched, filter_args), count_search=term or None
                )
                if with_facets
                else None
            )
            if facets is not None and with_total:
                page.total_count = facets.total
            recorded = None
            if count_search:
                recorded = (searched, facets.total if facets else len(page.items))
                if facets is None:  # the facets statement did not count it
                    await trending.record_search(self.db, *recorded)
            return SearchResult(
                page=page, facets=facets, corrected_query=corrected, recorded=recorded
            )

    async def autocomplete(self, prefix: str, limit: int) -> list[Suggestion]:
        async with self.db.session() as session:
            return await suggest.suggest(session, prefix, limit)

    async def trending(self, limit: int) -> list[str]:
        async with self.db.session() as session:
            return await trending.trending_queries(session, limit)


async def _page(
    session: AsyncSession,
    query: str,
    filter_args: CourseFilterArgs,
    sort: SearchSort,
    request: PageRequest,
    with_total: bool,
    with_facets: bool,
) -> Page[Course]:
    if sort is SearchSort.RELEVANCE:
        keys = [SortKey(relevance(query), descending=True)]
    else:
        keys = course_sort_keys(sort.value)
    stmt = (
        select(Course)
        .options(defer(Course.search_vector, raiseload=True))
        .where(*conditions(query, filter_args))
    )
    return await paginate(
        session,
        stmt,
        order_by=keys,
        tiebreaker=Course.id.expression,
        request=request,
        with_total=with_total and not with_facets,  # the facets' grand total is the count
    )


async def _any_match(
    session: AsyncSession, query: str, filter_args: CourseFilterArgs, request: PageRequest
) -> bool:
    """Whether the query matches anything; known (no) without SQL when this is a first page."""
    if request.after is None and request.before is None:
        return False
    return bool(await session.scalar(select(exists().where(*conditions(query, filter_args)))))
