"""Issue 12: a cache hit that asks Redis costs one round trip to read (no hashing of the body: the
ETag is stored with the entry), and a missing entry is rebuilt by one request while the others
wait for it (single flight) — on a stand-in schema whose slow root field counts its executions.
These tests are about what Redis holds, so their app asks Redis on every hit
(CATALOG_CACHE_LOCAL_HITS off); hits answered from the process's own copy:
test_local_hits.py."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import strawberry
from redis.asyncio import Redis

from app.integrations.cache import PREFIX, bump_catalog_version
from app.main import create_app
from app.settings import Settings
from schema import root
from schema.core import cache
from schema.core.context import Info
from schema.core.relay import NodeQuery
from schema.root import build_schema
from tests.cache.redis_trips import recording_redis
from tests.support.cache import Served, _serve

RUNS: Counter[str] = Counter()
CONCURRENT = 8
CATEGORIES = "{ categories }"


@strawberry.type
class SlowCatalogQuery:
    @strawberry.field
    async def categories(self, info: Info) -> list[str]:
        RUNS["categories"] += 1
        await asyncio.sleep(0.2)  # a rebuild long enough for every request to arrive meanwhile
        return ["Python", "Go"]

    @strawberry.field
    async def course(self, info: Info, slug: str) -> str:
        RUNS["course"] += 1
        await asyncio.sleep(0.05)
        raise ValueError("no such course")  # an error: nothing is stored


@asynccontextmanager
async def _slow_app(settings: Settings) -> AsyncIterator[Served]:
    RUNS.clear()
    saved = root.QUERIES, root.MUTATIONS
    root.QUERIES, root.MUTATIONS = [root.SystemQuery, NodeQuery], []
    try:
        schema = build_schema(settings, queries=[SlowCatalogQuery], mutations=[])
    finally:
        root.QUERIES, root.MUTATIONS = saved
    async with _serve(create_app(settings, schema=schema)) as served:
        yield served


@pytest.fixture
async def slow(redis_client: Redis, settings: Settings) -> AsyncIterator[Served]:
    async with _slow_app(settings.model_copy(update={"catalog_cache_local_hits": False})) as served:
        yield served


async def _entry_keys(served: Served) -> list[bytes]:
    return [k async for k in served.redis.scan_iter(match=f"{PREFIX}{cache.NAMESPACE}:*")]


async def _raw(served: Served, key: bytes) -> bytes | None:
    value = await served.redis.get(key)
    return value.encode() if isinstance(value, str) else value


async def test_the_stored_entry_carries_its_etag_and_catalog_version(slow: Served) -> None:
    await bump_catalog_version(slow.redis)
    response = await slow.get(CATEGORIES)
    (key,) = await _entry_keys(slow)
    entry = cache._decode(await _raw(slow, key))
    assert entry is not None
    assert entry.body == response.content
    assert entry.etag == response.headers["etag"]
    assert entry.etag == f'"{hashlib.sha256(response.content).hexdigest()}"'
    assert entry.version == 1


async def test_a_hit_reads_and_charges_in_one_round_trip(slow: Served) -> None:
    """The catalog version, the entry and the charge of its cost to the caller's budget: one
    script, one round trip."""
    first = await slow.get(CATEGORIES)
    async with recording_redis(slow.app) as trips:
        second = await slow.get(CATEGORIES)
    assert second.headers["x-cache"] == "HIT"
    assert second.headers["etag"] == first.headers["etag"]
    assert second.content == first.content
    assert trips == [["EVALSHA"]]


async def test_a_hit_is_answered_from_the_stored_etag_alone(slow: Served) -> None:
    """The hit takes the ETag from the entry (a wrong one stored there is what it sends)."""
    await slow.get(CATEGORIES)
    (key,) = await _entry_keys(slow)
    entry = cache._decode(await _raw(slow, key))
    assert entry is not None
    marked = cache.Entry(entry.version, '"stored-tag"', entry.cost, entry.effects, entry.body)
    await slow.redis.set(key, cache._encode(marked), ex=60)
    hit = await slow.get(CATEGORIES)
    assert hit.headers["etag"] == '"stored-tag"'
    not_modified = await slow.get(CATEGORIES, headers={"If-None-Match": '"stored-tag"'})
    assert not_modified.status_code == 304
    assert RUNS["categories"] == 1


async def test_an_entry_of_an_older_catalog_version_is_not_served(slow: Served) -> None:
    await slow.get(CATEGORIES)
    await bump_catalog_version(slow.redis)
    again = await slow.get(CATEGORIES)
    assert again.headers["x-cache"] == "MISS"
    assert RUNS["categories"] == 2
    assert (await slow.get(CATEGORIES)).headers["x-cache"] == "HIT"


async def _burst(served: Served) -> list[str]:
    responses = await asyncio.gather(*(served.get(CATEGORIES) for _ in range(CONCURRENT)))
    assert {r.status_code for r in responses} == {200}
    assert {r.content for r in responses} == {responses[0].content}
    return sorted(r.headers["x-cache"] for r in responses)


async def test_concurrent_requests_for_a_missing_entry_execute_once(slow: Served) -> None:
    outcomes = await _burst(slow)
    assert RUNS["categories"] == 1
    assert outcomes == ["HIT"] * (CONCURRENT - 1) + ["MISS"]


async def test_concurrent_requests_for_an_expired_entry_execute_once(slow: Served) -> None:
    await slow.get(CATEGORIES)
    for key in await _entry_keys(slow):
        await slow.redis.delete(key)  # what its TTL does
    await _burst(slow)
    assert RUNS["categories"] == 2


async def test_concurrent_requests_after_a_catalog_change_execute_once(slow: Served) -> None:
    await slow.get(CATEGORIES)
    await bump_catalog_version(slow.redis)
    await _burst(slow)
    assert RUNS["categories"] == 2
    assert [k async for k in slow.redis.scan_iter(match=f"{PREFIX}rebuild:*")] == []


async def test_when_the_rebuild_stores_nothing_the_waiting_requests_execute(slow: Served) -> None:
    query = '{ course(slug: "nope") }'
    responses = await asyncio.gather(*(slow.get(query) for _ in range(3)))
    for response in responses:
        assert response.json()["errors"]
        assert response.headers["cache-control"] == "no-store"
    assert RUNS["course"] == 3
    assert await _entry_keys(slow) == []


async def test_a_rebuild_lock_left_behind_delays_a_request_by_a_bounded_wait(
    slow: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "REBUILD_WAIT_SECONDS", 0.3)
    plan = cache.Plan(digest="", ttl=60, conditional=True, operation_name=None)
    await slow.get(CATEGORIES)  # learn the plan's digest from the entry's key
    (key,) = await _entry_keys(slow)
    plan.digest = key.decode().rsplit(":", 1)[1]
    await slow.redis.delete(key)
    await slow.redis.set(cache.rebuild_key(plan, 0), "a crashed process", px=60_000)
    response = await slow.get(CATEGORIES)
    assert response.status_code == 200
    assert response.headers["x-cache"] == "MISS"
    assert RUNS["categories"] == 2
    assert await _entry_keys(slow) == [key]  # and it stored the fresh entry


async def test_a_hit_on_a_body_this_process_holds_brings_only_the_entry_head(
    slow: Served,
) -> None:
    """The process keeps a copy of an entry it stored or served (`LocalEntries`): the next hit
    names its ETag and Redis sends the entry without the body (which is why a body changed
    behind an unchanged ETag is not seen: the ETag is the body's sha256)."""
    first = await slow.get(CATEGORIES)
    (key,) = await _entry_keys(slow)
    entry = cache._decode(await _raw(slow, key))
    assert entry is not None
    same_tag = cache.Entry(entry.version, entry.etag, entry.cost, entry.effects, b'{"other"}')
    await slow.redis.set(key, cache._encode(same_tag), ex=60)

    hit = await slow.get(CATEGORIES)

    assert hit.headers["x-cache"] == "HIT"
    assert hit.content == first.content
    assert RUNS["categories"] == 1


async def test_an_entry_stored_anew_is_served_whatever_copy_the_process_holds(
    slow: Served,
) -> None:
    """Which entry is current is read from Redis on every request: a new one (another ETag)
    comes whole and replaces the copy."""
    await slow.get(CATEGORIES)
    (key,) = await _entry_keys(slow)
    entry = cache._decode(await _raw(slow, key))
    assert entry is not None
    body = b'{"data":{"categories":["Rust"]}}'
    fresh = cache.Entry(entry.version, cache.etag_of(body), entry.cost, entry.effects, body)
    await slow.redis.set(key, cache._encode(fresh), ex=60)

    for _ in range(2):
        hit = await slow.get(CATEGORIES)
        assert hit.headers["x-cache"] == "HIT"
        assert hit.content == body
        assert hit.headers["etag"] == fresh.etag


def test_the_copies_of_entries_are_bounded_by_their_size() -> None:
    def held(etag: str, body: bytes) -> cache.Held:
        return cache.Held(cache.Entry(0, etag, 1, [], body), expires_at=60.0, epoch=None)

    copies = cache.LocalEntries(max_bytes=10)
    copies.keep("a", held('"a"', b"aaaa"))
    copies.keep("b", held('"b"', b"bbbb"))
    found = copies.get("a")  # now the most recently used
    assert found is not None
    assert found.entry.body == b"aaaa"
    copies.keep("c", held('"c"', b"cccc"))  # 12 bytes: the least recently used goes
    assert copies.get("b") is None
    assert copies.get("a") is not None
    assert copies.get("c") is not None
    copies.keep("a", held('"a2"', b"a"))  # replaced, not added
    assert copies.size == 5
    copies.keep("huge", held('"h"', b"h" * 11))  # larger than the whole budget: not kept
    assert copies.get("huge") is None
    assert copies.size == 5
