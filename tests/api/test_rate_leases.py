"""Issue 12: local slices of a rate budget (app/security/ratelimit.py, "lease"). A check that
asks nothing else charges a slice of the budget beyond its cost in one round trip and spends it
locally on the next checks of the window: one process admits exactly the limit, processes
together never more, a slice dies with its window, and an anonymous burst makes one round trip
per slice. Time comes from an injected clock (no window boundary is ever crossed by accident)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import ConnectionPool, Redis

from app.security import ratelimit
from app.security.ratelimit import LEASE_FRACTION, forget_leases, hit
from tests.api.test_fixed_costs import PING, _app
from tests.cache.redis_trips import recording_redis
from tests.support.api import AppClient

WINDOW = 60
START = 1_800_000_000.0 + 5  # five seconds into a window


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(START)
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


async def _spend(
    redis: Redis, key: str, limit: int, costs: list[int]
) -> list[ratelimit.RateLimitResult]:
    return [
        await hit(redis, key, limit=limit, window_seconds=WINDOW, cost=cost, lease=True)
        for cost in costs
    ]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    limit=st.integers(200, 2_000),
    costs=st.lists(st.integers(1, 40), min_size=1, max_size=120),
)
async def test_one_process_admits_exactly_the_limit_and_reports_what_remains(
    redis_client: Redis, clock: Clock, limit: int, costs: list[int]
) -> None:
    key = f"lease-{uuid.uuid4().hex}"
    results = await _spend(redis_client, key, limit, costs)

    spent = 0
    for cost, result in zip(costs, results, strict=True):
        # admitted exactly while the budget has room, and never charged when refused
        assert result.allowed is (spent + cost <= limit)
        if result.allowed:
            spent += cost
            assert result.remaining == limit - spent
    # Redis counted every admitted cost, and the slice still held here
    counted = int(await redis_client.get(f"rl:{key}:{int(START // WINDOW)}") or 0)
    held = ratelimit.lease_of(redis_client, key, WINDOW, ratelimit.Window.now(key, WINDOW))
    assert counted == spent + (held.tokens if held is not None else 0)
    assert counted <= limit


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(turns=st.lists(st.tuples(st.booleans(), st.integers(1, 30)), min_size=1, max_size=150))
async def test_processes_together_never_admit_more_than_the_limit(
    redis_client: Redis, clock: Clock, turns: list[tuple[bool, int]]
) -> None:
    """Two processes (two clients, each with its own slices) share one budget: what they admit
    together stays within the limit, and each is refused only once what is left, beside the
    other's unspent slice, cannot pay."""
    limit = 1_000
    key = f"lease-{uuid.uuid4().hex}"
    pool = redis_client.connection_pool
    other = Redis(
        connection_pool=ConnectionPool(
            connection_class=pool.connection_class, **pool.connection_kwargs
        )
    )
    try:
        admitted = 0
        for first, cost in turns:
            process = redis_client if first else other
            result = await hit(
                process, key, limit=limit, window_seconds=WINDOW, cost=cost, lease=True
            )
            if result.allowed:
                admitted += cost
            else:
                # refused only near the end: at most the other process's slice stood unused
                assert admitted + cost > limit - limit // LEASE_FRACTION
        assert admitted <= limit
    finally:
        await other.aclose()


async def test_a_slice_dies_with_its_window(redis_client: Redis, clock: Clock) -> None:
    key = f"lease-{uuid.uuid4().hex}"
    limit, slice_ = 1_000, 1_000 // LEASE_FRACTION
    first = await hit(redis_client, key, limit=limit, window_seconds=WINDOW, cost=1, lease=True)
    assert first.remaining == limit - 1
    index = int(START // WINDOW)
    assert int(await redis_client.get(f"rl:{key}:{index}")) == 1 + slice_

    clock.now += WINDOW  # the next window: the slice was counted in the last one
    await hit(redis_client, key, limit=limit, window_seconds=WINDOW, cost=1, lease=True)

    assert int(await redis_client.get(f"rl:{key}:{index + 1}")) == 1 + slice_


async def test_a_small_limit_is_never_leased(redis_client: Redis, clock: Clock) -> None:
    key = f"lease-{uuid.uuid4().hex}"
    limit = 2 * LEASE_FRACTION - 1  # a slice of 1: not worth a cost of 1
    await hit(redis_client, key, limit=limit, window_seconds=WINDOW, cost=1, lease=True)
    assert int(await redis_client.get(f"rl:{key}:{int(START // WINDOW)}")) == 1
    assert ratelimit.lease_of(redis_client, key, WINDOW, ratelimit.Window.now(key, WINDOW)) is None


async def test_a_burst_of_anonymous_requests_makes_one_round_trip_per_slice(
    app_client: AppClient,
) -> None:
    async with app_client(rate_limit_anonymous_per_minute=1_000) as client:
        forget_leases()
        async with recording_redis(_app(client)) as trips:  # type: ignore[arg-type]
            responses = [await client.post("/graphql", json=PING) for _ in range(12)]
    charges = [trip for trip in trips if "EVALSHA" in trip]
    # slices of 10: the first request takes one, the eleventh the next
    assert len(charges) == 2
    remaining = [int(r.headers["x-ratelimit-remaining"]) for r in responses]
    assert remaining == [1_000 - n for n in range(1, 13)]
    assert all(r.json()["data"] == {"ping": "pong"} for r in responses)


async def test_concurrent_charges_never_spend_the_same_slice_twice(
    redis_client: Redis, clock: Clock
) -> None:
    """A charge the slice cannot pay takes the slice's tokens before it waits on Redis: a request
    running meanwhile cannot spend them too. Whatever interleaving, Redis has counted everything
    admitted plus what this process still holds."""
    import asyncio

    key, limit = f"lease-{uuid.uuid4().hex}", 1_000  # slices of 10
    admitted = 0
    for cost in (7, 7):  # a slice of 10 taken with the first, 3 tokens left after the second
        assert (await _spend(redis_client, key, limit, [cost]))[0].allowed
        admitted += cost
    both = await asyncio.gather(
        hit(redis_client, key, limit=limit, window_seconds=WINDOW, cost=5, lease=True),
        hit(redis_client, key, limit=limit, window_seconds=WINDOW, cost=3, lease=True),
    )
    admitted += sum(cost for cost, r in zip((5, 3), both, strict=True) if r.allowed)

    counted = int(await redis_client.get(f"rl:{key}:{int(START // WINDOW)}") or 0)
    held = ratelimit.lease_of(redis_client, key, WINDOW, ratelimit.Window.now(key, WINDOW))
    assert admitted == 22
    assert counted == admitted + (held.tokens if held is not None else 0)
