"""Search root fields: searchCourses, autocomplete, trendingSearches (public, read-only)."""

from __future__ import annotations

from typing import Any

import strawberry
from starlette.requests import Request

from app.catalog.filters import CourseFilterArgs
from app.pagination import PageRequest
from app.search import service
from app.search.interface import SearchResult
from schema.catalog.types import CourseFilter
from schema.core.cache import record_effect, register_effect
from schema.core.context import Context, Info
from schema.core.relay import selects, selects_total_count
from schema.search import CourseSearchConnection, SearchSort, SearchSuggestion

SEARCH_EFFECT = "search"


async def _count_cached_search(request: Request, payload: dict[str, Any]) -> None:
    """A search answered from the response cache still counts for trending."""
    await service.record_search(request.app.state.db, payload["query"], payload["results"])


register_effect(SEARCH_EFFECT, _count_cached_search)


async def run_search(
    ctx: Context,
    *,
    query: str,
    filter: CourseFilter | None,
    sort: SearchSort,
    first: int | None,
    after: str | None,
    with_total: bool,
    with_facets: bool,
    ids_only: bool = False,
) -> SearchResult:
    """The search `searchCourses` answers with (its planned read too, `ids_only`:
    resolvers/planned_search.py); a first page is counted for trending."""
    args = filter.to_args() if filter is not None else CourseFilterArgs()
    request = PageRequest.create(first=first, after=after)
    return await service.search_courses(
        ctx.db,
        ctx.settings,
        query=query,
        filter_args=args,
        request=request,
        sort=sort,
        with_total=with_total,
        with_facets=with_facets,
        ids_only=ids_only,
        user_id=ctx.viewer_id,
    )


def note_search(ctx: Context, result: SearchResult) -> None:
    """A search counted for trending is counted again whenever its response is served from the
    response cache."""
    if result.recorded is not None:
        query_text, found = result.recorded
        record_effect(ctx.request, SEARCH_EFFECT, {"query": query_text, "results": found})


@strawberry.type
class Query:
    @strawberry.field(
        description="Published courses matching a query (title, tags, instructor name, "
        "description), best match first by default, with facet counts over all results."
    )
    async def search_courses(
        self,
        info: Info,
        query: str,
        filter: CourseFilter | None = None,
        sort: SearchSort = SearchSort.RELEVANCE,
        first: int | None = None,
        after: str | None = None,
    ) -> CourseSearchConnection:
        ctx = info.context
        result = await run_search(
            ctx,
            query=query,
            filter=filter,
            sort=sort,
            first=first,
            after=after,
            with_total=selects_total_count(info),
            with_facets=selects(info, "facets"),
        )
        note_search(ctx, result)
        ctx.loaders.catalog.prime_courses(result.page.items)
        return CourseSearchConnection.of(result)

    @strawberry.field(description="Completions of a partly typed query (typo tolerant).")
    async def autocomplete(self, info: Info, prefix: str, limit: int = 8) -> list[SearchSuggestion]:
        ctx = info.context
        found = await service.autocomplete(ctx.db, ctx.settings, prefix=prefix, limit=limit)
        return [SearchSuggestion.from_suggestion(s) for s in found]

    @strawberry.field(description="What people search for most lately (searches with results).")
    async def trending_searches(self, info: Info, limit: int = 10) -> list[str]:
        ctx = info.context
        return await service.trending_searches(ctx.db, ctx.settings, limit=limit)
