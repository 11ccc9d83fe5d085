"""After a catalog change commits: orphan every cached public catalog read (Property 17)."""

from __future__ import annotations

import structlog
from redis.exceptions import RedisError

from app.integrations.cache import bump_catalog_version
from schema.core.context import Info

log = structlog.get_logger(__name__)


async def catalog_changed(info: Info) -> None:
    """Bump the catalog cache version. A Redis failure is logged, not fatal: the change is
    committed, and cached entries expire by their TTL (course changes also bump the version
    again when the search indexer consumes their `catalog.course_changed` event)."""
    try:
        await bump_catalog_version(info.context.redis)
    except RedisError:
        log.warning("catalog_cache_bump_failed", exc_info=True)
