"""Redis rate limits: a sliding-window approximation (two fixed windows, weighted), charged by cost.

One round trip per check (a Lua script), shared by every API process through Redis.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from redis.asyncio import Redis

_SCRIPT = """
local cur_key, prev_key = KEYS[1], KEYS[2]
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local cost, elapsed = tonumber(ARGV[3]), tonumber(ARGV[4])
local cur = tonumber(redis.call('GET', cur_key) or '0')
local prev = tonumber(redis.call('GET', prev_key) or '0')
local weighted = prev * ((window - elapsed) / window) + cur
if weighted + cost > limit then
  return {0, math.floor(limit - weighted)}
end
cur = redis.call('INCRBY', cur_key, cost)
redis.call('EXPIRE', cur_key, window * 2)
return {1, math.floor(limit - (prev * ((window - elapsed) / window) + cur))}
"""


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the current window ends

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": str(self.reset_after),
        }


async def hit(
    redis: Redis, key: str, *, limit: int, window_seconds: int, cost: int = 1
) -> RateLimitResult:
    """Charge `cost` against `key`; refused (and not charged) when it would pass `limit`."""
    now = time.time()
    window_index = int(now // window_seconds)
    elapsed = now - window_index * window_seconds
    cur_key = f"rl:{key}:{window_index}"
    prev_key = f"rl:{key}:{window_index - 1}"
    allowed, remaining = await redis.eval(
        _SCRIPT, 2, cur_key, prev_key, limit, window_seconds, cost, elapsed
    )
    reset_after = max(1, math.ceil(window_seconds - elapsed))
    return RateLimitResult(bool(allowed), limit, int(remaining), reset_after)


async def reset(redis: Redis, key: str, *, window_seconds: int) -> None:
    """Forget the counts of `key` (e.g. after a successful login)."""
    window_index = int(time.time() // window_seconds)
    await redis.delete(f"rl:{key}:{window_index}", f"rl:{key}:{window_index - 1}")
