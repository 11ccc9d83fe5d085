"""Course documents for the index, read from the catalog: the same fields the PostgreSQL
backend's indexer reads (title; tags; instructor names, owner and co-instructors; subtitle and
description; the vocabulary words of title, tags and names), plus what filters, facets and sorts
compare. One statement per batch of courses.

Every document carries a version: the time of the read in microseconds. Writes use external
versioning (`version_type=external_gte`), so of two writes of one course the later read wins
whatever order they reach the index in (the indexing job and a reindex's bulk load, or two
deliveries of the job).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.search.facets import band_of
from app.search.indexer import PUBLISHED
from app.search.text import is_vocabulary_word, words

_DOCUMENTS = """
SELECT c.id, c.status, c.slug, c.title, c.subtitle, c.description, c.instructor_id,
       c.category_id, cat.name AS category_name, c.level, lower(c.language) AS language,
       c.currency, c.is_free, c.min_price_minor, c.average_rating, c.review_count,
       c.enrollment_count, c.popularity_score, c.trending_score,
       coalesce(c.published_at, c.created_at) AS sort_date,
       concat_ws(' ', owner.first_name, owner.last_name) AS instructor_name,
       coalesce((SELECT array_agg(t.name ORDER BY t.name) FROM course_tags ct
                   JOIN tags t ON t.id = ct.tag_id WHERE ct.course_id = c.id), '{{}}') AS tags,
       coalesce((SELECT array_agg(t.slug ORDER BY t.name) FROM course_tags ct
                   JOIN tags t ON t.id = ct.tag_id WHERE ct.course_id = c.id), '{{}}') AS tag_slugs,
       coalesce((SELECT array_agg(concat_ws(' ', u.first_name, u.last_name) ORDER BY u.id)
                   FROM users u
                  WHERE u.id = c.instructor_id
                     OR u.id IN (SELECT ci.user_id FROM course_instructors ci
                                  WHERE ci.course_id = c.id)), '{{}}') AS people,
       (extract(epoch FROM statement_timestamp()) * 1000000)::bigint AS version
  FROM courses c
  JOIN users owner ON owner.id = c.instructor_id
  LEFT JOIN categories cat ON cat.id = c.category_id
 WHERE {where}
 ORDER BY c.id
"""
BY_IDS = text(_DOCUMENTS.format(where="c.id = ANY(CAST(:ids AS uuid[]))"))
PUBLISHED_AFTER = text(
    _DOCUMENTS.format(where="c.status = 'published' AND c.id > :after") + " LIMIT :batch"
)
BATCH = 500


@dataclass(frozen=True)
class Document:
    course_id: uuid.UUID
    published: bool
    version: int
    source: dict[str, Any]


def document_of(row: RowMapping) -> Document:
    """The index document of one course row of `_DOCUMENTS`."""
    tags: Sequence[str] = row["tags"]
    people: Sequence[str] = row["people"]
    vocabulary = words(" ".join([row["title"], *tags, *people]))
    rating = row["average_rating"]
    source = {
        "id": str(row["id"]),
        "slug": row["slug"],
        "title": row["title"],
        "tags": list(tags),
        "tag_slugs": list(row["tag_slugs"]),
        "tag_names": [t.lower() for t in tags],
        "instructors": " ".join(people),
        "instructor_name": row["instructor_name"],
        "description": " ".join(p for p in (row["subtitle"], row["description"]) if p),
        "words": sorted({w for w in vocabulary if is_vocabulary_word(w)}),
        "instructor_id": str(row["instructor_id"]),
        "category_id": str(row["category_id"]) if row["category_id"] else None,
        "category_name": row["category_name"],
        "level": str(getattr(row["level"], "value", row["level"])),
        "language": row["language"],
        "currency": row["currency"],
        "is_free": bool(row["is_free"]),
        "min_price_minor": int(row["min_price_minor"]),
        "price_band": band_of(row["is_free"], row["min_price_minor"], row["currency"]).value,
        "average_rating": float(rating) if rating is not None else None,
        "rating_sort": float(rating) if rating is not None else 0.0,
        "review_count": int(row["review_count"]),
        "enrollment_count": int(row["enrollment_count"]),
        "popularity_score": float(row["popularity_score"]),
        "trending_score": float(row["trending_score"]),
        "sort_date": row["sort_date"].isoformat(),
    }
    status = str(getattr(row["status"], "value", row["status"]))
    return Document(row["id"], status == PUBLISHED, int(row["version"]), source)


async def read_documents(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Document]:
    """The documents of these courses (those that still exist), published or not."""
    rows = await session.execute(BY_IDS, {"ids": list(ids)})
    return [document_of(r) for r in rows.mappings()]


async def published_batch(session: AsyncSession, after: uuid.UUID) -> list[Document]:
    """The next published courses after `after` (by id), at most BATCH of them."""
    rows = await session.execute(PUBLISHED_AFTER, {"after": after, "batch": BATCH})
    return [document_of(r) for r in rows.mappings()]
