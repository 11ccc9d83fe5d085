"""Search as resolvers, workers and the CLI use it: validate, pick the backend, record searches.

`SEARCH_BACKEND` selects the backend: `postgres` (default, app/search/postgres.py) or `opensearch`
(app/search/opensearch/ at OPENSEARCH_URL; refused with SearchUnavailable without that URL). Every
first page of a search is counted in `search_queries` (under the corrected query when spelling
was corrected) for trending searches, whichever the backend; later pages are not counted again.
"""

from __future__ import annotations

import sys
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import EventType, record_event
from app.catalog.filters import CourseFilterArgs, validate_filter
from app.db import Database
from app.errors import Code, Common, DomainError, Failure, FieldError, UserFacingError
from app.pagination import PageRequest
from app.search import indexer, trending
from app.search.interface import (
    MAX_PREFIX_LENGTH,
    MAX_QUERY_LENGTH,
    MAX_SUGGESTIONS,
    MAX_TRENDING,
    SearchBackend,
    SearchResult,
    SearchSort,
    Suggestion,
)
from app.search.postgres import PostgresSearch
from app.settings import Settings


class InvalidSearch(UserFacingError):
    """A query, prefix or limit the search cannot take (BAD_USER_INPUT, nothing is searched)."""

    code = Failure.BAD_USER_INPUT

    def __init__(self, field: str, message: str, code: Code = Common.INVALID) -> None:
        super().__init__([FieldError(field, message, code)])


class SearchUnavailable(DomainError):
    code = Failure.SEARCH_UNAVAILABLE


def backend_for(settings: Settings, db: Database) -> SearchBackend:
    if settings.search_backend == "opensearch":
        if not settings.opensearch_url.strip():
            raise SearchUnavailable(
                "SEARCH_BACKEND=opensearch needs OPENSEARCH_URL; or set SEARCH_BACKEND=postgres"
            )
        from app.search.opensearch.backend import OpenSearchSearch

        return OpenSearchSearch(db, settings)
    return PostgresSearch(db)


def clean_query(query: str) -> str:
    cleaned = " ".join(query.split())
    if not cleaned:
        raise InvalidSearch("query", "Type something to search for", Common.REQUIRED)
    if len(cleaned) > MAX_QUERY_LENGTH:
        raise InvalidSearch("query", f"Use at most {MAX_QUERY_LENGTH} characters", Common.TOO_LONG)
    return cleaned


def _check_limit(limit: int, most: int) -> None:
    if not 1 <= limit <= most:
        raise InvalidSearch("limit", f"Ask for between 1 and {most}", Common.OUT_OF_RANGE)


async def search_courses(
    db: Database,
    settings: Settings,
    *,
    query: str,
    filter_args: CourseFilterArgs,
    request: PageRequest,
    sort: SearchSort = SearchSort.RELEVANCE,
    with_total: bool = False,
    with_facets: bool = True,
    ids_only: bool = False,
    user_id: uuid.UUID | None = None,
) -> SearchResult:
    """A page of the search (of Course rows, or of their ids with `ids_only`); a first page is
    recorded as a search.performed learning event of `user_id` (None: anonymous)."""
    cleaned = clean_query(query)
    validate_filter(filter_args)
    backend = backend_for(settings, db)
    first_page = request.after is None and request.before is None
    result = await backend.search_courses(
        cleaned,
        filter_args,
        sort,
        request,
        with_total=with_total,
        with_facets=with_facets,
        count_search=first_page,  # a first page counts for trending (later pages do not)
        ids_only=ids_only,
    )
    if result.recorded is not None:
        _record_search_event(*result.recorded, user_id=user_id)
    return result


async def record_search(db: Database, query: str, results: int) -> None:
    """Count one search for trending (also replayed when the response came from the cache:
    anonymous, so its learning event has no user)."""
    await trending.record_search(db, query, results)
    _record_search_event(query, results, user_id=None)


def _record_search_event(query: str, results: int, *, user_id: uuid.UUID | None) -> None:
    record_event(
        EventType.SEARCH_PERFORMED,
        user_id=user_id,
        properties={"query": trending.normalise_query(query), "results": results},
    )


async def autocomplete(
    db: Database, settings: Settings, *, prefix: str, limit: int = 8
) -> list[Suggestion]:
    """Suggestions for a partly typed query; a blank prefix has none."""
    _check_limit(limit, MAX_SUGGESTIONS)
    if len(prefix) > MAX_PREFIX_LENGTH:
        raise InvalidSearch(
            "prefix", f"Use at most {MAX_PREFIX_LENGTH} characters", Common.TOO_LONG
        )
    if not prefix.strip():
        return []
    return await backend_for(settings, db).autocomplete(prefix, limit)


async def trending_searches(db: Database, settings: Settings, *, limit: int = 10) -> list[str]:
    _check_limit(limit, MAX_TRENDING)
    return await backend_for(settings, db).trending(limit)


async def reindex_course(db: Database, settings: Settings, course_id: uuid.UUID) -> None:
    """Bring one course's search entry up to date (idempotent; handles deleted courses)."""
    await backend_for(settings, db).index_course(course_id)


async def rebuild_index(session: AsyncSession) -> int:
    """`reindex_all` inside the caller's transaction; fits app.seed's SEEDERS as
    `("search index", rebuild_index)` (after the catalog seeder)."""
    return await indexer.reindex_all(session)


async def close_backend_clients() -> None:
    """Close the OpenSearch clients of the running loop, if this process ever opened one (the
    API's and the worker's shutdown; a PostgreSQL-only process never imports the client)."""
    client = sys.modules.get("app.search.opensearch.client")
    if client is not None:
        await client.close_clients()


async def reindex_backend(db: Database, settings: Settings) -> str:
    """Rebuild the configured backend's whole index (`easyways reindex`); a line to print.
    OpenSearch: a new versioned index, loaded and swapped in under the alias."""
    if settings.search_backend != "opensearch":
        return f"PostgreSQL search index rebuilt: {await reindex_all(db)} courses"
    from app.search.opensearch.client import client_for
    from app.search.opensearch.index import reindex

    backend_for(settings, db)  # refuses a missing OPENSEARCH_URL
    done = await reindex(db, client_for(settings), settings.opensearch_index_prefix)
    return f"OpenSearch index {done.index}: {done.courses} courses; deleted {len(done.deleted)} old"


async def refresh_search_index(db: Database, settings: Settings) -> int:
    """The periodic refresh of the OpenSearch documents of every published course (their
    enrollment counts, ratings and scores change without a course event; PostgreSQL reads them
    from the courses themselves, so with that backend nothing is done); courses written."""
    if settings.search_backend != "opensearch":
        return 0
    from app.search.opensearch.client import client_for
    from app.search.opensearch.index import refresh_published

    backend_for(settings, db)
    return await refresh_published(db, client_for(settings), settings.opensearch_index_prefix)


async def reindex_all(db: Database) -> int:
    """Rebuild the PostgreSQL index of every course (bench data, `easyways seed`, repairs);
    returns how many courses were indexed."""
    async with db.transaction() as session:
        return await indexer.reindex_all(session)
