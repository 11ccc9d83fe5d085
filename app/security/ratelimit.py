"""Redis rate limits: a sliding-window approximation (two fixed windows, weighted), charged by cost.

One round trip per check (a Lua script), shared by every API process through Redis. A check may
also ask whether one other key exists (`also_exists`: the caller's session revocation marker), in
the same round trip, so a signed-in request pays one Redis round trip for both. The script
is sent by its SHA1 (EVALSHA, through redis-py's `register_script`, one `AsyncScript` per client):
only its 40-character digest travels with each check, and a server that does not know it (after
a restart or `SCRIPT FLUSH`) answers NOSCRIPT, upon which it is loaded once and the check retried.
"""

from __future__ import annotations

import math
import time
import weakref
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

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
_scripts: weakref.WeakKeyDictionary[Redis, dict[str, AsyncScript]] = weakref.WeakKeyDictionary()


def _script(redis: Redis) -> AsyncScript:
    """The limiter's script registered with `redis` (its SHA1 computed once per client)."""
    return registered(redis, _SCRIPT)


def registered(redis: Redis, source: str) -> AsyncScript:
    """`source` registered with `redis` once per client: called, it is sent by its SHA1
    (EVALSHA), and loaded again when the server answers NOSCRIPT."""
    scripts = _scripts.get(redis)
    if scripts is None:
        scripts = _scripts[redis] = {}
    script = scripts.get(source)
    if script is None:
        script = scripts[source] = redis.register_script(source)
    return script


@dataclass(frozen=True)
class Window:
    """The two counters of `key` the sliding window reads now, how far into the current
    window we are and when it ends."""

    keys: tuple[str, str]
    elapsed: float
    reset_after: int

    @classmethod
    def now(cls, key: str, window_seconds: int) -> Window:
        now = time.time()
        index = int(now // window_seconds)
        elapsed = now - index * window_seconds
        reset_after = max(1, math.ceil(window_seconds - elapsed))
        return cls((f"rl:{key}:{index}", f"rl:{key}:{index - 1}"), elapsed, reset_after)


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


async def hit(
    redis: Redis,
    key: str,
    *,
    limit: int,
    window_seconds: int,
    cost: int = 1,
    also_exists: str | None = None,
) -> RateLimitResult:
    """Charge `cost` against `key`; refused (and not charged) when it would pass `limit`. With
    `also_exists`, the result says whether that key exists (read in the same round trip)."""
    window = Window.now(key, window_seconds)
    keys = list(window.keys)
    if also_exists is not None:
        keys.append(also_exists)
    allowed, remaining, exists = await _script(redis)(
        keys=keys, args=[limit, window_seconds, cost, window.elapsed]
    )
    found = bool(exists) if also_exists is not None else None
    return RateLimitResult(bool(allowed), limit, int(remaining), window.reset_after, found)


async def reset(redis: Redis, key: str, *, window_seconds: int) -> None:
    """Forget the counts of `key` (e.g. after a successful login)."""
    await redis.delete(*Window.now(key, window_seconds).keys)
