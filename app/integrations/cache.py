"""Redis cache for public catalog data, invalidated by a version number.

Every entry is tied to the catalog version (one Redis integer) current when it was written:
`cache_key` embeds it in the key, and the GraphQL response cache (schema/core/cache.py) stores it
inside the entry, so one pipelined round trip reads both. A catalog change calls
`bump_catalog_version` — one INCR, cheap and cluster-friendly — so every older entry is orphaned
at once (a miss) and simply expires by its TTL; nothing ever scans or deletes keys.

Cache failures are never fatal: the readers here let `RedisError` propagate, and the caller
decides (the response cache treats any failure as a miss and executes normally).
"""

from __future__ import annotations

from redis.asyncio import Redis

PREFIX = "cache:"
CATALOG_VERSION_KEY = f"{PREFIX}catalog:version"


async def catalog_version(redis: Redis) -> int:
    """The current catalog version (0 before the first change)."""
    raw = await redis.get(CATALOG_VERSION_KEY)
    return int(raw) if raw is not None else 0


async def bump_catalog_version(redis: Redis) -> int:
    """Orphan every cached catalog entry; call after a catalog change commits. The new version."""
    return int(await redis.incr(CATALOG_VERSION_KEY))


def cache_key(namespace: str, version: int, digest: str) -> str:
    """`cache:<namespace>:v<version>:<digest>` — the version makes a bump orphan old entries."""
    return f"{PREFIX}{namespace}:v{version}:{digest}"


async def get_bytes(redis: Redis, key: str) -> bytes | None:
    value = await redis.get(key)
    if value is None:
        return None
    return value.encode() if isinstance(value, str) else bytes(value)


async def set_bytes(redis: Redis, key: str, value: bytes, *, ttl_seconds: int) -> None:
    await redis.set(key, value, ex=ttl_seconds)
