"""Trending searches from `search_queries` (one row per normalised query).

Trending means searched often *lately*: a query's count is divided by its age in hours since it
was first searched, to the power 1.5 (the "gravity" of Hacker News' ranking), so a burst of new
searches outranks a long-standing query with a larger lifetime count. Queries not searched in the
last `WINDOW_DAYS` days, or whose latest search found nothing, are never trending.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    bindparam,
    extract,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import UUID, Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.models import SearchQuery
from app.db import Database, DriverStatement
from app.ids import new_id
from app.search.interface import MAX_QUERY_LENGTH

WINDOW_DAYS = 7
GRAVITY = 1.5


def normalise_query(query: str) -> str:
    """Lower-case, single spaces, at most the column's length: one row per way of typing it."""
    return " ".join(query.lower().split())[:MAX_QUERY_LENGTH]


# one search counted: one statement in autocommit (atomic on its own), through the driver
RECORD = DriverStatement.of(
    text(
        "INSERT INTO search_queries (id, query, count, results_count) "
        "VALUES (:id, :query, 1, :results) "
        "ON CONFLICT (query) DO UPDATE SET count = search_queries.count + 1, "
        "results_count = excluded.results_count, last_searched_at = now()"
    ).bindparams(
        bindparam("id", type_=UUID(as_uuid=True)),
        bindparam("query", type_=String()),
        bindparam("results", type_=Integer()),
    )
)


async def record_search(db: Database, query: str, results: int) -> None:
    """Count one search; `results` is the number of results found (0 keeps it off trending)."""
    normalised = normalise_query(query)
    if not normalised:
        return
    await db.fetch(RECORD, {"id": new_id(), "query": normalised, "results": results})


def counted(
    normalised: str | ColumnElement[str],
    results: Any,
    *,
    id_: Any = None,
    when: ColumnElement[bool] | None = None,
) -> Insert:
    """The upsert that counts one search of `normalised` with `results` found (a value or a
    scalar subquery), for a statement that counts a search along with its read; `normalised`
    and `id_` (a new id when None) may be bound parameters, and `when` a condition without
    which nothing is counted."""
    row = select(
        literal(new_id()) if id_ is None else id_,
        literal(normalised) if isinstance(normalised, str) else normalised,
        literal(1),
        results,
    )
    stmt = insert(SearchQuery).from_select(
        ["id", "query", "count", "results_count"], row if when is None else row.where(when)
    )
    return stmt.on_conflict_do_update(
        index_elements=[SearchQuery.query],
        set_={
            "count": SearchQuery.count + 1,
            "results_count": stmt.excluded.results_count,
            "last_searched_at": func.now(),
        },
    )


async def trending_queries(session: AsyncSession, limit: int) -> list[str]:
    hours = extract("epoch", func.now() - SearchQuery.first_searched_at) / 3600
    score = SearchQuery.count / func.power(hours + 2, GRAVITY)
    rows = await session.scalars(
        select(SearchQuery.query)
        .where(
            SearchQuery.results_count > 0,
            SearchQuery.last_searched_at > func.now() - timedelta(days=WINDOW_DAYS),
        )
        .order_by(score.desc(), SearchQuery.last_searched_at.desc(), SearchQuery.query)
        .limit(limit)
    )
    return list(rows)
