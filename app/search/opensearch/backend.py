"""The OpenSearch backend: `SearchBackend` over the course index (app/search/interface.py).

Search: one request answers the page, the total and the facets; when the query finds nothing
and holds a word the index does not know, that word is corrected from the indexed vocabulary
(the closest word by edit distance among its fuzzy matches, as the PostgreSQL backend corrects)
and the query is searched again with `fuzziness: AUTO` (the corrected query, reported as
`corrected_query`, or the query as typed when no correction was found). The page's courses
are read from PostgreSQL by id, published ones only (a course unpublished a moment ago is left
out even before the indexing job removes it). Trending searches stay in PostgreSQL's
`search_queries` for both backends: this backend counts a first page there too.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from opensearchpy import AsyncOpenSearch
from opensearchpy.exceptions import TransportError
from sqlalchemy import select
from sqlalchemy.orm import defer

from app.catalog.filters import CourseFilterArgs, course_filter_values
from app.catalog.models import Course, CourseStatus
from app.db import Database
from app.pagination import InvalidPageRequest, Page, PageRequest
from app.search import trending
from app.search.interface import SearchResult, SearchSort, Suggestion
from app.search.opensearch import autocomplete as completion
from app.search.opensearch import index as writer
from app.search.opensearch.client import client_for
from app.search.opensearch.mapping import alias_name
from app.search.opensearch.query import search_body, sort_keys
from app.search.opensearch.results import facets_from, page_from, total_of
from app.search.opensearch.spelling import correct_query
from app.search.service import SearchUnavailable
from app.settings import Settings


@contextlib.asynccontextmanager
async def _reachable() -> AsyncIterator[None]:
    """A node that cannot be reached or refuses a read: SEARCH_UNAVAILABLE, not an internal
    error (writes raise as they are, and the indexing job retries)."""
    try:
        yield
    except TransportError as exc:
        raise SearchUnavailable("The search service cannot answer right now") from exc


def check_cursors(keys: Sequence[tuple[str, bool]], request: PageRequest) -> None:
    """A cursor of this backend is the hit's sort values: numbers, then the id; anything else
    (another sort's, or the PostgreSQL backend's) is refused before asking the node."""
    for cursor, name in ((request.after, "after"), (request.before, "before")):
        if cursor is None:
            continue
        numbers = all(type(v) in (int, float) for v in cursor[:-1])
        if len(cursor) != len(keys) or not numbers or type(cursor[-1]) is not str:
            raise InvalidPageRequest(name, f"`{name}` is not a valid cursor")


class OpenSearchSearch:
    def __init__(
        self, db: Database, settings: Settings, client: AsyncOpenSearch | None = None
    ) -> None:
        self.db = db
        self.prefix = settings.opensearch_index_prefix
        self.client = client or client_for(settings)

    @property
    def alias(self) -> str:
        return alias_name(self.prefix)

    async def index_course(self, course_id: uuid.UUID) -> None:
        await writer.sync_courses(self.db, self.client, self.prefix, [course_id])

    async def remove_course(self, course_id: uuid.UUID) -> None:
        await writer.ensure_index(self.client, self.prefix)
        targets = await writer.write_targets(self.client, self.prefix)
        lines = [{"delete": {"_index": t, "_id": str(course_id)}} for t in targets]
        response = await self.client.bulk(body=lines, refresh="wait_for")
        if bad := writer.failures(response):
            raise writer.IndexWriteFailed(f"OpenSearch refused {len(bad)} deletes: {bad[:3]}")

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
        keys = sort_keys(sort)
        check_cursors(keys, request)
        values = course_filter_values(filter_args)
        body = search_body(query, values, sort, request, with_facets=with_facets)
        async with _reachable():
            response = await self._search(body)
            corrected = None
            if total_of(response) == 0:
                corrected, misspelt = await correct_query(self.client, self.alias, query)
                if misspelt:  # a typo: the correction, tolerant of the typos it left
                    fuzzy = search_body(
                        corrected or query,
                        values,
                        sort,
                        request,
                        with_facets=with_facets,
                        fuzzy=True,
                    )
                    response = await self._search(fuzzy)
        total = total_of(response)
        ids = page_from(response, request, keys, total if with_total else None)
        page = await self._published(ids, ids_only)
        recorded = None
        if count_search:
            recorded = (corrected or query, total)
            await trending.record_search(self.db, *recorded)
        return SearchResult(
            page=page,
            facets=facets_from(response) if with_facets else None,
            corrected_query=corrected,
            recorded=recorded,
        )

    async def autocomplete(self, prefix: str, limit: int) -> list[Suggestion]:
        async with _reachable():
            return await completion.suggest(self.client, self.alias, prefix, limit)

    async def trending(self, limit: int) -> list[str]:
        async with self.db.session() as session:
            return await trending.trending_queries(session, limit)

    async def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = await self.client.search(
            index=self.alias, body=body, params={"ignore_unavailable": "true"}
        )
        return response

    async def _published(self, ids: Page[uuid.UUID], ids_only: bool) -> Page[Any]:
        """The page with Course rows (or ids) of the courses still published, in hit order."""
        if not ids.items:
            return ids
        async with self.db.session() as session:
            if ids_only:
                stmt: Any = select(Course.id)
            else:
                stmt = select(Course).options(defer(Course.search_vector, raiseload=True))
            stmt = stmt.where(Course.id.in_(ids.items), Course.status == CourseStatus.PUBLISHED)
            rows: Sequence[Any] = (await session.scalars(stmt)).all()
        by_id = {(r if ids_only else r.id): r for r in rows}
        kept = [(by_id[i], c) for i, c in zip(ids.items, ids.cursors, strict=True) if i in by_id]
        return Page(
            [item for item, _ in kept],
            [cursor for _, cursor in kept],
            ids.has_next,
            ids.has_previous,
            ids.total_count,
        )
