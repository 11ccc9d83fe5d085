"""Catalog actors: a category change invalidates the cached public catalog responses.

Course changes are handled by the search indexer (workers/search.py), which re-indexes the course
and invalidates the cache in one step. Bumping the catalog version is idempotent in effect (a
redelivered event only orphans cache entries once more), so the actor is safe to retry.
"""

from __future__ import annotations

import dramatiq

from app.integrations.cache import bump_catalog_version
from workers.broker import MAX_RETRIES
from workers.runtime import get_runtime


async def invalidate_catalog() -> None:
    await bump_catalog_version(get_runtime().redis)


@dramatiq.actor(max_retries=MAX_RETRIES)
async def category_changed(category_id: str) -> None:
    await invalidate_catalog()
