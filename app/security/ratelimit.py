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

_SCRIPT = """
local cur_key, prev_key = KEYS[1], KEYS[2]
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local cost, elapsed = tonumber(ARGV[3]), tonumber(ARGV[4])
local exists = 0
if KEYS[3] then
  exists = redis.call('EXISTS', KEYS[3])
end
local cur = tonumber(redis.call('GET', cur_key) or '0')
local prev = tonumber(redis.call('GET', prev_key) or '0')
local weighted = prev * ((window - elapsed) / window) + cur
if weighted + cost > limit then
  return {0, math.floor(limit - weighted), exists}
end
cur = redis.call('INCRBY', cur_key, cost)
redis.call('EXPIRE', cur_key, window * 2)
return {1, math.floor(limit - (prev * ((window - elapsed) / window) + cur)), exists}
"""
_scripts: weakref.WeakKeyDictionary[Redis, AsyncScript] = weakref.WeakKeyDictionary()


def _script(redis: Redis) -> AsyncScript:
    """The limiter's script registered with `redis` (its SHA1 computed once per client)."""
    script = _scripts.get(redis)
    if script is None:
        script = _scripts[redis] = redis.register_script(_SCRIPT)
    return script


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
    now = time.time()
    window_index = int(now // window_seconds)
    elapsed = now - window_index * window_seconds
    keys = [f"rl:{key}:{window_index}", f"rl:{key}:{window_index - 1}"]
    if also_exists is not None:
        keys.append(also_exists)
    allowed, remaining, exists = await _script(redis)(
        keys=keys, args=[limit, window_seconds, cost, elapsed]
    )
    reset_after = max(1, math.ceil(window_seconds - elapsed))
    found = bool(exists) if also_exists is not None else None
    return RateLimitResult(bool(allowed), limit, int(remaining), reset_after, found)


async def reset(redis: Redis, key: str, *, window_seconds: int) -> None:
    """Forget the counts of `key` (e.g. after a successful login)."""
    window_index = int(time.time() // window_seconds)
    await redis.delete(f"rl:{key}:{window_index}", f"rl:{key}:{window_index - 1}")
