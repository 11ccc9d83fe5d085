"""Issue 12: a cache hit on an entry this process holds a current copy of asks Redis nothing — the
catalog version is pushed to the process (`CatalogVersionWatch`, pub/sub) — and every way the
copy could go stale sends the hit back to Redis or to a rebuild: a catalog change (here or in
another process), the copy's TTL, a lost subscription, a version going backwards (Redis emptied),
a bump the subscription missed. On the stand-in schema of test_single_flight.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from app.http.middleware import RequestContextMiddleware
from app.integrations.cache import (
    CATALOG_VERSION_KEY,
    CatalogVersionWatch,
    bump_catalog_version,
)
from app.redis import make_redis
from app.settings import Settings
from schema.core import cache
from tests.cache.redis_trips import recording_redis
from tests.cache.test_single_flight import CATEGORIES, RUNS, _entry_keys, _slow_app
from tests.support.cache import Served

# a budget large enough to be charged in slices: a hit's charge then needs no round trip either
BUDGET = {"rate_limit_anonymous_per_minute": 1_000_000}


class Clock:
    """The clock of the copies' expiry, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    injected = Clock()
    monkeypatch.setattr(cache, "monotonic", injected)
    return injected


@pytest.fixture
async def local(redis_client: Redis, settings: Settings, clock: Clock) -> AsyncIterator[Served]:
    async with _slow_app(settings.model_copy(update=BUDGET)) as served:
        yield served


def watch_of(served: Served) -> CatalogVersionWatch:
    watch = served.app.state.catalog_watch
    assert isinstance(watch, CatalogVersionWatch)
    return watch


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the watch never got there"
        await asyncio.sleep(0.005)


async def hit(served: Served, times: int = 1) -> None:
    for _ in range(times):
        response = await served.get(CATEGORIES)
        assert response.status_code == 200
        assert response.headers["x-cache"] == "HIT"


async def hits_asking_redis(served: Served, count: int = 3) -> int:
    """How many round trips `count` hits made (a charge's slice may take one; a read is one
    per hit)."""
    async with recording_redis(served.app) as trips:
        await hit(served, count)
    return len(trips)


async def test_the_process_starts_knowing_the_catalog_version(local: Served) -> None:
    assert watch_of(local).version == 0


async def test_hits_on_a_current_copy_ask_redis_nothing(
    local: Served, redis_client: Redis, settings: Settings
) -> None:
    first = await local.get(CATEGORIES)
    assert first.headers["x-cache"] == "MISS"
    # three hits: at most the one round trip that takes the budget's slice (the recording client
    # holds none yet), never a read of the version or the entry
    assert await hits_asking_redis(local) <= 1
    assert RUNS["categories"] == 1
    # the same app asking Redis on every hit: a round trip each
    off = {**BUDGET, "catalog_cache_local_hits": False}
    async with _slow_app(settings.model_copy(update=off)) as asking:
        await asking.get(CATEGORIES)
        assert await hits_asking_redis(asking) == 3


async def test_a_local_hit_is_the_stored_answer_and_charges_the_budget(
    local: Served, settings: Settings
) -> None:
    first = await local.get(CATEGORIES)
    hit = await local.get(CATEGORIES)
    assert hit.content == first.content
    assert hit.headers["etag"] == first.headers["etag"]
    not_modified = await local.get(CATEGORIES, headers={"If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304
    # charged like any request: the budget shrinks by the entry's cost on each hit
    assert int(hit.headers["x-ratelimit-remaining"]) < int(first.headers["x-ratelimit-remaining"])


async def test_a_catalog_change_in_this_process_is_seen_at_once(local: Served) -> None:
    await local.get(CATEGORIES)
    await bump_catalog_version(local.redis)
    assert (await local.get(CATEGORIES)).headers["x-cache"] == "MISS"
    assert RUNS["categories"] == 2


async def test_a_catalog_change_in_another_process_is_seen_once_published(local: Served) -> None:
    await local.get(CATEGORIES)
    other = make_redis(local.app.state.settings.redis_url)  # another process's client
    try:
        version = await bump_catalog_version(other)
    finally:
        await other.aclose()
    await until(lambda: watch_of(local).version == version)
    assert (await local.get(CATEGORIES)).headers["x-cache"] == "MISS"
    assert RUNS["categories"] == 2


async def test_a_copy_is_never_served_past_its_entrys_ttl(local: Served, clock: Clock) -> None:
    await local.get(CATEGORIES)
    for key in await _entry_keys(local):
        await local.redis.delete(key)  # gone from Redis; the copy is still within its TTL
    assert (await local.get(CATEGORIES)).headers["x-cache"] == "HIT"
    clock.now += local.app.state.settings.catalog_cache_ttl_seconds  # its TTL has run out
    assert (await local.get(CATEGORIES)).headers["x-cache"] == "MISS"
    assert RUNS["categories"] == 2


async def test_a_copy_read_from_redis_expires_with_the_entry(local: Served, clock: Clock) -> None:
    """A copy learnt from Redis (another process stored the entry) lasts what the entry has
    left there, not a whole TTL."""
    await local.get(CATEGORIES)
    (key,) = await _entry_keys(local)
    await local.redis.pexpire(key, 10_000)  # 10 s left
    cache.LOCAL.entries.clear()  # as in a process that did not store it
    async with recording_redis(local.app) as trips:
        await hit(local)  # read from Redis, kept
        await hit(local, 2)  # the copy; the first of these takes a slice of the budget
        assert len(trips) == 2
        clock.now += 5
        await hit(local, 2)  # still the current copy
        assert len(trips) == 2
        clock.now += 5.01
        await hit(local)  # the copy would outlive the entry: Redis again
        assert len(trips) == 3


async def test_a_lost_subscription_sends_hits_to_redis_until_it_is_back(
    local: Served, redis_client: Redis
) -> None:
    watch = watch_of(local)
    await local.get(CATEGORIES)
    before = watch.epoch
    await redis_client.client_kill_filter(_type="pubsub")  # what a network failure does
    await until(lambda: watch.epoch != before)
    await until(lambda: watch.version is not None)  # subscribed again, version read again
    async with recording_redis(local.app) as trips:
        # the copy was kept under the old epoch: one hit reads Redis (and keeps a copy again)
        await hit(local)
        await hit(local, 2)  # the copy; the first of these takes a slice of the budget
        assert len(trips) == 2
        await hit(local, 3)
        assert len(trips) == 2
    assert RUNS["categories"] == 1


async def test_a_version_going_backwards_voids_every_copy(local: Served) -> None:
    """Redis emptied (the version restarts): a copy of an entry of version 1 kept before must
    not pass for the new version 1."""
    watch = watch_of(local)
    await bump_catalog_version(local.redis)  # 1
    await local.get(CATEGORIES)  # a copy of version 1
    await bump_catalog_version(local.redis)  # 2
    await local.redis.flushdb()
    other = make_redis(local.app.state.settings.redis_url)
    try:
        assert await bump_catalog_version(other) == 1  # published: 1 after 2
    finally:
        await other.aclose()
    await until(lambda: watch.version == 1)
    assert (await local.get(CATEGORIES)).headers["x-cache"] == "MISS"
    assert RUNS["categories"] == 2


async def test_a_missed_bump_is_caught_by_the_periodic_check(
    redis_client: Redis, settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A subscription that stops delivering without an error is not believed for long: the
    watch compares the version it heard with Redis's every CHECK_SECONDS."""
    monkeypatch.setattr(CatalogVersionWatch, "POLL_SECONDS", 0.02)
    monkeypatch.setattr(CatalogVersionWatch, "CHECK_SECONDS", 0.05)
    async with _slow_app(settings.model_copy(update=BUDGET)) as served:
        watch = watch_of(served)
        await served.get(CATEGORIES)
        await redis_client.set(CATALOG_VERSION_KEY, 7)  # a bump nobody published
        await until(lambda: watch.version == 7)
        assert (await served.get(CATEGORIES)).headers["x-cache"] == "MISS"
        assert RUNS["categories"] == 2


class Counting:
    """The rest of the stack behind the request-context middleware, counting what reaches it."""

    def __init__(self, app: Any) -> None:
        self.app, self.calls = app, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        await self.app(scope, receive, send)


def context_middleware(served: Served) -> RequestContextMiddleware:
    if served.app.middleware_stack is None:  # built on the first request, as Starlette does
        served.app.middleware_stack = served.app.build_middleware_stack()
    layer: Any = served.app.middleware_stack
    while not isinstance(layer, RequestContextMiddleware):
        layer = layer.app
    return layer


async def _answer(served: Served, method: str, query: str, headers: dict[str, str]) -> Any:
    if method == "GET":
        return await served.get(query, headers=headers)
    return await served.post(query, headers=headers)


# per request: the id, the budget left and the seconds until the rate window ends (two requests a
# moment apart can straddle a second); their names are still compared
PER_REQUEST = {"x-request-id", "x-ratelimit-remaining", "x-ratelimit-reset"}


def _comparable(response: Any) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = sorted((k, "…" if k in PER_REQUEST else v) for k, v in response.headers.multi_items())
    return response.status_code, response.content, headers


@hyp_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(["GET", "POST"]),
    query=st.sampled_from([CATEGORIES, "query Names { categories }", "{ __typename categories }"]),
    accept=st.sampled_from([None, "application/json", "application/graphql-response+json"]),
    language=st.sampled_from([None, "fr", "en-GB,en;q=0.8"]),
    conditional=st.sampled_from(["none", "match", "other"]),
)
async def test_the_shortcut_answers_a_hit_exactly_as_the_view_does(
    local: Served,
    method: str,
    query: str,
    accept: str | None,
    language: str | None,
    conditional: str,
) -> None:
    middleware = context_middleware(local)
    shortcut, rest = middleware.shortcut, Counting(middleware.app)
    middleware.app = rest
    headers = {k: v for k, v in {"Accept": accept, "Accept-Language": language}.items() if v}
    try:
        middleware.shortcut = None  # the stack alone: plans the request, stores, then a hit
        first = await _answer(local, method, query, headers)
        if conditional != "none":
            etag = first.headers["etag"] if conditional == "match" else '"another"'
            headers["If-None-Match"] = etag
        through_view = await _answer(local, method, query, headers)
        assert through_view.headers["x-cache"] == "HIT"
        middleware.shortcut = shortcut
        calls = rest.calls
        shortcut_answer = await _answer(local, method, query, headers)
        assert rest.calls == calls  # answered before the stack
    finally:
        middleware.shortcut, middleware.app = shortcut, rest.app
    assert _comparable(shortcut_answer) == _comparable(through_view)
    remaining = int(shortcut_answer.headers["x-ratelimit-remaining"])
    assert remaining < int(through_view.headers["x-ratelimit-remaining"])  # charged as well


async def test_the_shortcut_leaves_credentials_origins_and_unplanned_requests_to_the_stack(
    redis_client: Redis, settings: Settings
) -> None:
    cors = {**BUDGET, "cors_origins": "https://app.example"}
    async with _slow_app(settings.model_copy(update=cors)) as served:
        middleware = context_middleware(served)
        rest = middleware.app = Counting(middleware.app)
        await served.get(CATEGORIES)  # planned and stored: the stack
        assert rest.calls == 1
        await served.get(CATEGORIES)  # the shortcut
        assert rest.calls == 1
        browser = await served.get(CATEGORIES, headers={"Origin": "https://app.example"})
        assert browser.headers["access-control-allow-origin"] == "https://app.example"
        assert browser.headers["x-cache"] == "HIT"
        bearer = {"Authorization": f"Bearer {served.token()}"}
        signed_in = await served.get(CATEGORIES, headers=bearer)
        assert signed_in.headers["cache-control"] == "private, no-store"
        other = await served.get("{ categories __typename }")  # not planned yet
        assert other.headers["x-cache"] == "MISS"
        assert rest.calls == 4
        plain = await served.get(CATEGORIES)
        assert "access-control-allow-origin" not in plain.headers
        assert "Origin" in plain.headers["vary"]
        assert rest.calls == 4
