"""Usage counters of API keys, in Redis: one hash per key with the requests it made, the cost
points it was charged and when it was last used. Written once per operation (one pipelined
round trip), read in one round trip for a page of keys. They survive rotation (same key id);
they live in Redis only, so a Redis without persistence forgets them on restart."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis


@dataclass(frozen=True)
class Usage:
    request_count: int = 0
    cost_used: int = 0
    last_used_at: datetime | None = None


def _key(namespace: str, key_id: uuid.UUID) -> str:
    return f"{namespace}:apikey:{key_id}:usage"


async def record_usage(
    redis: Redis, namespace: str, key_id: uuid.UUID, *, cost: int, at: datetime
) -> None:
    key = _key(namespace, key_id)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hincrby(key, "requests", 1)
        pipe.hincrby(key, "cost", cost)
        pipe.hset(key, "last", str(at.timestamp()))
        await pipe.execute()


def _as_int(value: object) -> int:
    return int(value) if isinstance(value, (bytes, str)) else 0


async def usage_of(redis: Redis, namespace: str, key_ids: Sequence[uuid.UUID]) -> list[Usage]:
    """The counters of each key, in key order (zeros for a key never used)."""
    async with redis.pipeline(transaction=False) as pipe:
        for key_id in key_ids:
            pipe.hmget(_key(namespace, key_id), ["requests", "cost", "last"])
        replies = await pipe.execute()
    result: list[Usage] = []
    for requests, cost, last in replies:
        last_used = (
            datetime.fromtimestamp(float(last), UTC) if isinstance(last, (bytes, str)) else None
        )
        result.append(Usage(_as_int(requests), _as_int(cost), last_used))
    return result
