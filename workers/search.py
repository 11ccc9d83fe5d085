"""Search indexing actor: a `catalog.course_changed` event brings the course's search entry up to
date (idempotent: it reads the course as it is now, so redelivered, reordered or duplicate events
converge; a deleted course leaves the index), then invalidates the cached catalog responses."""

from __future__ import annotations

import uuid

import dramatiq

from app.search import service
from workers.broker import MAX_RETRIES
from workers.runtime import get_runtime


async def reindex_and_invalidate(course_id: str) -> None:
    """The actor's body, callable in-process (tests, the CLI) on any event loop."""
    from app.integrations.cache import bump_catalog_version

    runtime = get_runtime()
    await service.reindex_course(runtime.db, runtime.settings, uuid.UUID(course_id))
    await bump_catalog_version(runtime.redis)


@dramatiq.actor(max_retries=MAX_RETRIES)
async def reindex_course(course_id: str) -> None:
    await reindex_and_invalidate(course_id)
