"""Writing the course index: one course (the indexing job), and the zero-downtime reindex.

A write goes to the live alias and, while a reindex is building a new index, to that index too
(the indices behind the `-building` alias): dual write, so no change made during a reindex is
lost. Every write is versioned by the time the course was read (documents.py), so whichever of
the job's write and the bulk load's write of one course comes last in the index, the later read
is kept.

The reindex (`easyways reindex`): create `<prefix>-courses-<timestamp>` with the `-building`
alias, bulk-load every published course, refresh, then one `_aliases` request moves the live
alias to it and ends the dual write, and the old indices are deleted. Searches read the old
index until the swap and the new one after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opensearchpy import AsyncOpenSearch
from opensearchpy.exceptions import NotFoundError, RequestError
from sqlalchemy import text

from app.clock import utcnow
from app.db import Database
from app.search.opensearch.documents import Document, published_batch, read_documents
from app.search.opensearch.mapping import (
    alias_name,
    building_alias,
    index_body,
    is_versioned,
    swap_actions,
    versioned_name,
)

INITIAL_STAMP = datetime(1970, 1, 1)  # the first index's name, the same for racing creators
_NOW = text("SELECT (extract(epoch FROM statement_timestamp()) * 1000000)::bigint")
_IGNORED = {404, 409}  # a delete of a missing document; an older version than the index holds


class IndexWriteFailed(RuntimeError):
    """OpenSearch refused a document write (the job retries)."""


async def ensure_index(client: AsyncOpenSearch, prefix: str) -> None:
    """Create the first index behind the live alias unless the alias exists."""
    alias = alias_name(prefix)
    if await client.indices.exists_alias(name=alias):
        return
    body = {**index_body(), "aliases": {alias: {"is_write_index": True}}}
    try:
        await client.indices.create(index=versioned_name(prefix, INITIAL_STAMP), body=body)
    except RequestError as exc:
        if exc.error != "resource_already_exists_exception":
            raise


async def write_targets(client: AsyncOpenSearch, prefix: str) -> list[str]:
    """The live alias plus the indices a running reindex is building."""
    try:
        building = await client.indices.get_alias(name=building_alias(prefix))
    except NotFoundError:
        building = {}
    return [alias_name(prefix), *sorted(building)]


def bulk_actions(
    targets: Sequence[str], documents: Sequence[Document], gone: Sequence[tuple[uuid.UUID, int]]
) -> list[dict[str, Any]]:
    """Bulk body lines: index every published document, delete unpublished and `gone` ones,
    in every target, each with its version."""
    lines: list[dict[str, Any]] = []
    deletions = [*((d.course_id, d.version) for d in documents if not d.published), *gone]
    for target in targets:
        for doc in documents:
            if doc.published:
                meta = {"_index": target, "_id": str(doc.course_id), "version": doc.version}
                lines += [{"index": {**meta, "version_type": "external_gte"}}, doc.source]
        for course_id, version in deletions:
            meta = {"_index": target, "_id": str(course_id), "version": version}
            lines.append({"delete": {**meta, "version_type": "external_gte"}})
    return lines


def failures(response: dict[str, Any]) -> list[Any]:
    """The items of a bulk response that failed for another reason than an older version or a
    missing document."""
    if not response.get("errors"):
        return []
    return [
        item
        for entry in response.get("items", [])
        for item in entry.values()
        if item.get("status", 200) >= 300 and item.get("status") not in _IGNORED
    ]


async def sync_courses(
    db: Database, client: AsyncOpenSearch, prefix: str, ids: Sequence[uuid.UUID]
) -> None:
    """Bring these courses' documents up to date (deleted ones and unpublished ones leave)."""
    async with db.session() as session:
        documents = await read_documents(session, ids)
        found = {d.course_id for d in documents}
        gone: list[tuple[uuid.UUID, int]] = []
        if len(found) < len(ids):
            now = int(await session.scalar(_NOW) or 0)
            gone = [(i, now) for i in ids if i not in found]
    await ensure_index(client, prefix)
    targets = await write_targets(client, prefix)
    response = await client.bulk(body=bulk_actions(targets, documents, gone), refresh="wait_for")
    if bad := failures(response):
        raise IndexWriteFailed(f"OpenSearch refused {len(bad)} writes: {bad[:3]}")


@dataclass(frozen=True)
class Reindexed:
    index: str
    courses: int
    deleted: list[str]


async def reindex(db: Database, client: AsyncOpenSearch, prefix: str) -> Reindexed:
    """Build a new index from every published course and swap the alias to it (see above)."""
    alias, building = alias_name(prefix), building_alias(prefix)
    new = versioned_name(prefix, utcnow())
    await client.indices.create(index=new, body={**index_body(), "aliases": {building: {}}})
    try:
        count = await _load(db, client, [new])
        await client.indices.refresh(index=new)
        old = await _indices_behind(client, alias)
        await client.indices.update_aliases(body={"actions": swap_actions(prefix, new, old)})
    except BaseException:
        await client.indices.delete(index=new, ignore_unavailable=True)
        raise
    building_now = set(await _indices_behind(client, building))  # another reindex's
    stale = [n for n in await _all_versioned(client, prefix) if n != new and n not in building_now]
    if stale:
        await client.indices.delete(index=",".join(stale), ignore_unavailable=True)
    return Reindexed(new, count, stale)


async def refresh_published(db: Database, client: AsyncOpenSearch, prefix: str) -> int:
    """Write every published course again (the periodic job): the numbers sorts read
    (enrollments, rating, popularity and trending scores) change without a course event."""
    await ensure_index(client, prefix)
    targets = await write_targets(client, prefix)
    return await _load(db, client, targets, refresh="wait_for")


async def _load(
    db: Database, client: AsyncOpenSearch, targets: list[str], *, refresh: str = "false"
) -> int:
    """Write every published course to the targets, a batch per bulk request."""
    after, count = uuid.UUID(int=0), 0
    while True:
        async with db.session() as session:
            batch = await published_batch(session, after)
        if not batch:
            return count
        response = await client.bulk(body=bulk_actions(targets, batch, []), refresh=refresh)
        if bad := failures(response):
            raise IndexWriteFailed(f"OpenSearch refused {len(bad)} writes: {bad[:3]}")
        count += len(batch)
        after = batch[-1].course_id


async def _indices_behind(client: AsyncOpenSearch, alias: str) -> list[str]:
    try:
        return sorted(await client.indices.get_alias(name=alias))
    except NotFoundError:
        return []


async def _all_versioned(client: AsyncOpenSearch, prefix: str) -> list[str]:
    found = await client.indices.get(index=f"{alias_name(prefix)}-*", ignore_unavailable=True)
    return sorted(n for n in found if is_versioned(prefix, n))
