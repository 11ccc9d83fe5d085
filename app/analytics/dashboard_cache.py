"""Redis cache of the expensive dashboards (instructor, admin) — Property 60.

An entry lives `ANALYTICS_CACHE_TTL_SECONDS` and is tied to the analytics version (one Redis
integer) current when it was written: its key embeds the version. A rollup that recomputes a day
bumps the version after it commits, so every older entry becomes a miss at once (and expires by
its TTL); nothing scans or deletes keys. Any Redis failure is a miss: the dashboard is computed
from the rollups instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
import structlog
from pydantic import TypeAdapter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.integrations.cache import PREFIX, cache_key, get_bytes, set_bytes

ANALYTICS_VERSION_KEY = f"{PREFIX}analytics:version"

T = TypeVar("T")
log = structlog.get_logger(__name__)


async def analytics_version(redis: Redis) -> int:
    raw = await redis.get(ANALYTICS_VERSION_KEY)
    return int(raw) if raw is not None else 0


async def bump_analytics_version(redis: Redis) -> None:
    """Orphan every cached dashboard; called after a rollup commits (failures are logged: the
    entries then live until their TTL)."""
    try:
        await redis.incr(ANALYTICS_VERSION_KEY)
    except RedisError as exc:
        log.warning("analytics_cache.bump_failed", error=repr(exc))


def dashboard_key(namespace: str, version: int, arguments: dict[str, Any]) -> str:
    digest = hashlib.sha256(orjson.dumps(arguments, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return cache_key(f"analytics:{namespace}", version, digest[:32])


async def cached(
    redis: Redis,
    namespace: str,
    arguments: dict[str, Any],
    adapter: TypeAdapter[T],
    compute: Callable[[], Awaitable[T]],
    *,
    ttl_seconds: int,
) -> T:
    """The cached value of `compute()` for these arguments, computing and storing it on a miss."""
    key: str | None = None
    try:
        key = dashboard_key(namespace, await analytics_version(redis), arguments)
        raw = await get_bytes(redis, key)
        if raw is not None:
            return adapter.validate_json(raw)
    except RedisError as exc:
        log.warning("analytics_cache.read_failed", error=repr(exc))
    value = await compute()
    if key is not None and ttl_seconds > 0:
        try:
            await set_bytes(redis, key, adapter.dump_json(value), ttl_seconds=ttl_seconds)
        except RedisError as exc:
            log.warning("analytics_cache.write_failed", error=repr(exc))
    return value
