"""Redis rate limits: a sliding-window approximation (two fixed windows, weighted), charged by cost.

One round trip per check (a Lua script), shared by every API process through Redis. A check may
also ask whether one other key exists (`also_exists`: the caller's session revocation marker), in
the same round trip, so a signed-in request pays one Redis round trip for both. The script
is sent by its SHA1 (EVALSHA, through redis-py's `register_script`, one `AsyncScript` per client):
only its 40-character digest travels with each check, and a server that does not know it (after
a restart or `SCRIPT FLUSH`) answers NOSCRIPT, upon which it is loaded once and the check retried.

A check that asks nothing else may `lease`: its round trip then charges a slice of the budget
(1/`LEASE_FRACTION` of the limit) beyond the cost, which this process spends locally on the
key's next checks in the same window — no round trip until it is used up (a burst of anonymous
requests, or a partner's API key, costs one round trip per slice). The slice is charged in Redis
up front, so every process together never admits more than the limit; a slice a process has not
spent when its window ends is dropped (it was counted in that window), so a client spread over N
processes may be refused up to N - 1 slices early. A lease is taken only while the budget has
room for it (else the check charges exactly its cost, as without leasing), and only when the
slice is at least twice the cost; a small limit (under twice `LEASE_FRACTION`) is never leased.
"""

from __future__ import annotations

import math
import time
import weakref
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from app.redis import registered

# The sliding-window charge as a Lua function, shared by every script that charges a budget
# (this module's, and the response cache's read-and-charge: schema/core/cache.py): refused (and
# not charged) when the cost would pass the limit; returns allowed (1/0) and what remains.
CHARGE_FUNCTION = """
local function charge(cur_key, prev_key, limit, window, cost, elapsed)
  local cur = tonumber(redis.call('GET', cur_key) or '0')
  local prev = tonumber(redis.call('GET', prev_key) or '0')
  local weighted = prev * ((window - elapsed) / window) + cur
  if weighted + cost > limit then
    return 0, math.floor(limit - weighted)
  end
  cur = redis.call('INCRBY', cur_key, cost)
  redis.call('EXPIRE', cur_key, window * 2)
  return 1, math.floor(limit - (prev * ((window - elapsed) / window) + cur))
end
"""
_SCRIPT = (
    CHARGE_FUNCTION
    + """
local exists = 0
if KEYS[3] then
  exists = redis.call('EXISTS', KEYS[3])
end
local allowed, remaining = charge(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]),
  tonumber(ARGV[3]), tonumber(ARGV[4]))
return {allowed, remaining, exists}
"""
)


def _script(redis: Redis) -> AsyncScript:
    """The limiter's script registered with `redis` (its SHA1 computed once per client)."""
    return registered(redis, _SCRIPT)


@dataclass(frozen=True)
class Window:
    """The two counters of `key` the sliding window reads now, how far into the current
    window we are and when it ends."""

    keys: tuple[str, str]
    elapsed: float
    reset_after: int
    index: int  # which window (of its length) this is

    @classmethod
    def now(cls, key: str, window_seconds: int) -> Window:
        now = time.time()
        index = int(now // window_seconds)
        elapsed = now - index * window_seconds
        reset_after = max(1, math.ceil(window_seconds - elapsed))
        return cls((f"rl:{key}:{index}", f"rl:{key}:{index - 1}"), elapsed, reset_after, index)


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the current window ends
    # whether the `also_exists` key existed (None when none was asked about)
    exists: bool | None = None

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": str(self.reset_after),
        }


LEASE_FRACTION = 100  # a lease is this fraction of the limit
_MOST_LEASES = 10_000  # keys with a lease kept per process (older windows' are dropped first)


@dataclass
class Lease:
    """A slice of a key's budget this process holds for one window (the module docstring)."""

    index: int  # the window it was taken in
    tokens: int  # what is left to spend here
    remaining: int  # what Redis said remained once the lease was last charged


_leases: weakref.WeakKeyDictionary[Redis, dict[tuple[str, int], Lease]] = (
    weakref.WeakKeyDictionary()
)


def lease_of(redis: Redis, key: str, window_seconds: int, window: Window) -> Lease | None:
    """This process's lease on `key` for `window`, when it holds one with tokens left."""
    leases = _leases.get(redis)
    held = leases.get((key, window_seconds)) if leases is not None else None
    if held is None or held.index != window.index or held.tokens <= 0:
        return None
    return held


@dataclass
class Reserved:
    """The tokens of a lease taken out for one charge before it waits on Redis (so no other
    request spends them meanwhile), and how it settles: `settle` with what Redis did."""

    lease: Lease | None
    tokens: int

    @classmethod
    def take(cls, redis: Redis, key: str, window_seconds: int, window: Window) -> Reserved:
        held = lease_of(redis, key, window_seconds, window)
        tokens = held.tokens if held is not None else 0
        if held is not None:
            held.tokens = 0
        return cls(held, tokens)

    def settle(
        self, cost: int, charged: int, remaining: int, limit: int, reset_after: int
    ) -> RateLimitResult:
        """`charged`: 2 when the reserved tokens paid the whole cost (Redis charged nothing),
        1 when Redis charged what they lacked, 0 when Redis refused it (the tokens go back)."""
        held = self.lease
        if charged == 2 and held is not None:
            held.tokens += self.tokens - cost
            return RateLimitResult(True, limit, held.remaining + held.tokens, reset_after)
        if not charged:
            self.give_back()
        left = remaining + (held.tokens if held is not None else 0)
        return RateLimitResult(bool(charged), limit, left, reset_after)

    def give_back(self) -> None:
        if self.lease is not None:
            self.lease.tokens += self.tokens
        self.tokens = 0


async def hit(
    redis: Redis,
    key: str,
    *,
    limit: int,
    window_seconds: int,
    cost: int = 1,
    also_exists: str | None = None,
    lease: bool = False,
) -> RateLimitResult:
    """Charge `cost` against `key`; refused (and not charged) when it would pass `limit`. With
    `also_exists`, the result says whether that key exists (read in the same round trip). With
    `lease` (and no `also_exists`), the charge may come from, or take, a local lease (the module
    docstring)."""
    window = Window.now(key, window_seconds)
    if lease and also_exists is None and limit // LEASE_FRACTION > 0:
        return await _charge_leasing(redis, key, limit, window_seconds, cost, window)
    keys = list(window.keys)
    if also_exists is not None:
        keys.append(also_exists)
    allowed, remaining, exists = await _script(redis)(
        keys=keys, args=[limit, window_seconds, cost, window.elapsed]
    )
    found = bool(exists) if also_exists is not None else None
    return RateLimitResult(bool(allowed), limit, int(remaining), window.reset_after, found)


async def _charge_leasing(
    redis: Redis, key: str, limit: int, window_seconds: int, cost: int, window: Window
) -> RateLimitResult:
    """`hit` with a lease: paid from this process's slice when it covers the cost; else what
    the slice lacks is charged in Redis, with a new slice beside it while there is room (and the
    slice is worth it: at least twice the cost). What remains is Redis's count and the slice."""
    reserved = Reserved.take(redis, key, window_seconds, window)
    if reserved.tokens >= cost:
        return reserved.settle(cost, 2, 0, limit, window.reset_after)
    need, slice_ = cost - reserved.tokens, limit // LEASE_FRACTION
    script = _script(redis)
    if slice_ >= 2 * cost:
        allowed, remaining, _ = await script(
            keys=list(window.keys), args=[limit, window_seconds, need + slice_, window.elapsed]
        )
        if allowed:
            leases = _leases.get(redis)
            if leases is None:
                leases = _leases[redis] = {}
            held = _keep(leases, (key, window_seconds), window.index, slice_, int(remaining))
            return RateLimitResult(True, limit, held.remaining + held.tokens, window.reset_after)
    allowed, remaining, _ = await script(
        keys=list(window.keys), args=[limit, window_seconds, need, window.elapsed]
    )
    return reserved.settle(cost, 1 if allowed else 0, int(remaining), limit, window.reset_after)


def forget_leases() -> None:
    """Drop every lease this process holds (after Redis was emptied, as tests do)."""
    _leases.clear()


def _keep(
    leases: dict[tuple[str, int], Lease], at: tuple[str, int], index: int, tokens: int, left: int
) -> Lease:
    """A new slice of `tokens` for `at` in window `index` (`left`: what Redis said remained),
    added to the slice still held there for that window (a concurrent request may have taken
    one meanwhile)."""
    held = leases.get(at)
    if held is not None and held.index == index:
        held.tokens += tokens
        held.remaining = min(held.remaining, left)
        return held
    if at not in leases and len(leases) >= _MOST_LEASES:
        for stale in [k for k, old in leases.items() if old.index != index]:
            del leases[stale]
        if len(leases) >= _MOST_LEASES:
            del leases[next(iter(leases))]
    leases[at] = Lease(index, tokens, left)
    return leases[at]


async def reset(redis: Redis, key: str, *, window_seconds: int) -> None:
    """Forget the counts of `key` (e.g. after a successful login), and this process's lease."""
    leases = _leases.get(redis)
    if leases is not None:
        leases.pop((key, window_seconds), None)
    await redis.delete(*Window.now(key, window_seconds).keys)
