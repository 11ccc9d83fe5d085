"""The catalog version: one Redis counter every cache key embeds."""

from __future__ import annotations

from redis.asyncio import Redis

from app.integrations.cache import (
    bump_catalog_version,
    cache_key,
    catalog_version,
    get_bytes,
    set_bytes,
)


async def test_the_version_starts_at_zero_and_each_bump_raises_it(redis_client: Redis) -> None:
    assert await catalog_version(redis_client) == 0
    assert await bump_catalog_version(redis_client) == 1
    assert await bump_catalog_version(redis_client) == 2
    assert await catalog_version(redis_client) == 2


async def test_a_bump_orphans_entries_stored_under_the_old_version(redis_client: Redis) -> None:
    old = cache_key("graphql", await catalog_version(redis_client), "abc")
    await set_bytes(redis_client, old, b"body", ttl_seconds=60)
    await bump_catalog_version(redis_client)
    new = cache_key("graphql", await catalog_version(redis_client), "abc")
    assert new != old
    assert await get_bytes(redis_client, new) is None
    assert await get_bytes(redis_client, old) == b"body"  # left to expire by its TTL
    assert 0 < await redis_client.ttl(old) <= 60
