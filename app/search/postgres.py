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
data-modifying CTE with the total it found); without facets, by the page statement of a page of
ids when it found something (a CTE too, with the page's results), else by its own upsert: a search
page is the page, the facets and nothing else.

The executor reads a page of Course rows through a session (`paginate`), and the facets through it
too; a planned read asks for `ids_only` and gets one statement through the driver, compiled once
per sort, set of filters, cursor use and counting (`_ids_page_statement`), with the same
conditions, keys and cursors, and the facets statement through the driver as well
(`_facets_statement`, compiled once per set of filters and counting).
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import REAL, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from app.catalog.filters import (
    CourseFilterArgs,
    course_filter_values,
    course_sort_keys,
    filter_clauses,
)
from app.catalog.models import Course, CourseStatus
from app.db import Database, DriverStatement
from app.ids import new_id
from app.pagination import (
    Page,
    PageRequest,
    SortKey,
    bound_keyset_select,
    count_rows,
    key_ordering,
    keyset_keys,
    keyset_parameters,
    page_of,
    paginate,
)
from app.search import indexer, spelling, suggest, trending
from app.search.facets import count_facets, facets_of, facets_statement
from app.search.interface import Facets, SearchResult, SearchSort, Suggestion

WEIGHTS = "'{0.02,0.08,0.3,1.0}'::real[]"  # D (description), C (instructor), B (tags), A (title)


def ts_query(query: str | ColumnElement[str]) -> ColumnElement[Any]:
    return func.websearch_to_tsquery(literal_column("'english'::regconfig"), query)


def matches(query: str | ColumnElement[str]) -> ColumnElement[bool]:
    return Course.search_vector.bool_op("@@")(ts_query(query))


def relevance(query: str | ColumnElement[str]) -> ColumnElement[float]:
    return func.ts_rank(literal_column(WEIGHTS), Course.search_vector, ts_query(query), type_=REAL)


def conditions(query: str, filter_args: CourseFilterArgs) -> list[ColumnElement[bool]]:
    return _conditions(query, course_filter_values(filter_args))


def _conditions(
    query: str | ColumnElement[str], filter_values: Mapping[str, Any]
) -> list[ColumnElement[bool]]:
    return [Course.status == CourseStatus.PUBLISHED, matches(query), *filter_clauses(filter_values)]


def _order(sort: SearchSort, query: str | ColumnElement[str]) -> list[SortKey]:
    """The sort keys before the tie-breaker (`Course.id`)."""
    if sort is SearchSort.RELEVANCE:
        return [SortKey(relevance(query), descending=True)]
    return course_sort_keys(sort.value)


@functools.lru_cache(maxsize=256)
def _ids_page_statement(
    sort: SearchSort,
    filters: tuple[str, ...],
    after: bool,
    before: bool,
    backwards: bool,
    counts: bool,
) -> tuple[DriverStatement, list[SortKey]]:
    """A page of ids (the rows page's statement selecting only the id), compiled once per sort,
    set of filters, cursor use and counting: the query, filter values, cursor positions and limit
    are its parameters. Also its sort keys, tie-breaker included. With `counts` the statement
    also counts the search for trending when the page found something (`trending.counted` as a
    data-modifying CTE: `count_id`, `count_query`, and `count_size`, the most it counts)."""
    query = bindparam("query", type_=String())
    keys = keyset_keys(_order(sort, query), Course.id.expression)
    stmt = select(Course.id).where(*_conditions(query, {f: bindparam(f) for f in filters}))
    paged = bound_keyset_select(stmt, keys, after=after, before=before, backwards=backwards)
    if counts:
        page = paged.cte("page")
        columns = list(page.c)  # the id, then the keys
        found = select(func.least(func.count(), bindparam("count_size", type_=Integer())))
        count = trending.counted(
            bindparam("count_query", type_=String()),
            found.select_from(page).scalar_subquery(),
            id_=bindparam("count_id", type_=UUID(as_uuid=True)),
            when=exists(select(literal(1)).select_from(page)),
        )
        in_order = [SortKey(c, k.descending) for c, k in zip(columns[1:], keys, strict=True)]
        paged = (
            select(*columns)
            .add_cte(count.cte("counted"))
            .order_by(*key_ordering(in_order, reverse=backwards))
        )
    return DriverStatement.of(paged), keys


@functools.lru_cache(maxsize=256)
def _facets_statement(filters: tuple[str, ...], counts: bool) -> DriverStatement:
    """The facets statement (`facets_statement`) compiled once per set of filters and counting:
    the query, filter values and the count's `count_id` and `count_query` are its parameters."""
    query = bindparam("query", type_=String())
    matching = _conditions(query, {f: bindparam(f) for f in filters})
    if not counts:
        return DriverStatement.of(facets_statement(matching))
    return DriverStatement.of(
        facets_statement(
            matching,
            count_search=bindparam("count_query", type_=String()),
            count_id=bindparam("count_id", type_=UUID(as_uuid=True)),
        )
    )


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
        ids_only: bool = False,
    ) -> SearchResult:
        async with contextlib.AsyncExitStack() as stack:
            opened: list[AsyncSession] = []

            async def session() -> AsyncSession:  # opened when a read needs one
                if not opened:
                    opened.append(await stack.enter_async_context(self.db.session()))
                return opened[0]

            # an ids page counts the search itself when no facets statement does (and it found
            # something: else the correction decides what is counted)
            counts = count_search and ids_only and not with_facets
            search = _Search(self.db, session, filter_args, sort, request, ids_only, counts)
            total = with_total and not with_facets  # else the facets' grand total is the count
            page = await search.page(query, total)
            corrected = None
            if not page.items and not await _any_match(session, query, filter_args, request):
                corrected = await spelling.correct_query(await session(), query)
                if corrected is not None:
                    page = await search.page(corrected, total)
            searched = corrected or query
            term = trending.normalise_query(searched) if count_search else ""
            facets = await search.facets(searched, term or None) if with_facets else None
            if facets is not None and with_total:
                page.total_count = facets.total
            recorded = None
            if count_search:
                recorded = (searched, facets.total if facets else len(page.items))
                if facets is None and not (counts and page.items):  # nor the page statement
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


@dataclass(frozen=True)
class _Search:
    """One search's page reads: Course rows through a session, or only their ids straight
    through the driver (`_ids_page_statement`); the same conditions, keys and cursors."""

    db: Database
    session: Callable[[], Awaitable[AsyncSession]]
    filter_args: CourseFilterArgs
    sort: SearchSort
    request: PageRequest
    ids_only: bool
    counts: bool  # the ids page counts the search for trending when it finds something

    @functools.cached_property
    def values(self) -> dict[str, Any]:
        """The filter's values (parameters of the driver statements), worked out once."""
        return course_filter_values(self.filter_args)

    async def page(self, query: str, with_total: bool) -> Page[Any]:
        if not self.ids_only:
            stmt = (
                select(Course)
                .options(defer(Course.search_vector, raiseload=True))
                .where(*conditions(query, self.filter_args))
            )
            return await paginate(
                await self.session(),
                stmt,
                order_by=_order(self.sort, query),
                tiebreaker=Course.id.expression,
                request=self.request,
                with_total=with_total,
            )
        request, values = self.request, self.values
        statement, keys = _ids_page_statement(
            self.sort,
            tuple(values),
            request.after is not None,
            request.before is not None,
            request.backwards,
            self.counts,
        )
        parameters = {**values, **keyset_parameters(keys, request), "query": query}
        if self.counts:
            parameters.update(
                count_id=new_id(),
                count_query=trending.normalise_query(query),
                count_size=request.size,
            )
        rows = await self.db.fetch(statement, parameters)
        total = None
        if with_total:
            counted = select(Course.id).where(*conditions(query, self.filter_args))
            total = await count_rows(await self.session(), counted)
        return page_of(rows, 1, request, total)

    async def facets(self, query: str, count_search: str | None) -> Facets:
        """The facets of the search (and its count for trending, with `count_search`): through
        the session, or with `ids_only` through the driver (`_facets_statement`)."""
        if not self.ids_only:
            matching = conditions(query, self.filter_args)
            return await count_facets(await self.session(), matching, count_search=count_search)
        values = self.values
        statement = _facets_statement(tuple(values), count_search is not None)
        parameters: dict[str, Any] = {**values, "query": query}
        if count_search is not None:
            parameters.update(count_id=new_id(), count_query=count_search)
        records = await self.db.fetch(statement, parameters)
        return facets_of(cast(Sequence[Mapping[str, Any]], records))  # read by column name


async def _any_match(
    session: Callable[[], Awaitable[AsyncSession]],
    query: str,
    filter_args: CourseFilterArgs,
    request: PageRequest,
) -> bool:
    """Whether the query matches anything; known (no) without SQL when this is a first page."""
    if request.after is None and request.before is None:
        return False
    found = await (await session()).scalar(select(exists().where(*conditions(query, filter_args))))
    return bool(found)
