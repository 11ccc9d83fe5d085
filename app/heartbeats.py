"""Worker heartbeats in Redis: each worker process refreshes a key with a TTL; readiness reads them.

`<namespace>:worker:<id>` describes one worker process (host, pid, start time) and expires
WORKER_HEARTBEAT_TIMEOUT_SECONDS after its last beat; `<namespace>:workers` lists the ids, so a
reader never scans the keyspace. A worker stopped cleanly deletes its key at once; a killed one's
expires. Redis keeps the time, so clocks of the processes never matter.
"""

from __future__ import annotations

import orjson
from redis.asyncio import Redis


def _index(namespace: str) -> str:
    return f"{namespace}:workers"


def _key(namespace: str, worker_id: str) -> str:
    return f"{namespace}:worker:{worker_id}"


async def beat(
    redis: Redis, namespace: str, worker_id: str, *, ttl_seconds: int, info: dict[str, object]
) -> None:
    """Say that `worker_id` is alive for the next `ttl_seconds`."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(_key(namespace, worker_id), orjson.dumps(info), ex=ttl_seconds)
        pipe.sadd(_index(namespace), worker_id)
        await pipe.execute()


async def leave(redis: Redis, namespace: str, worker_id: str) -> None:
    """A clean stop: the worker no longer counts, without waiting for its key to expire."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(_key(namespace, worker_id))
        pipe.srem(_index(namespace), worker_id)
        await pipe.execute()


async def alive_workers(redis: Redis, namespace: str) -> list[dict[str, object]]:
    """The descriptions of the workers whose heartbeat is fresh (ids of expired ones are pruned)."""
    members = await redis.smembers(_index(namespace))
    ids = sorted(m.decode() if isinstance(m, bytes) else m for m in members)
    if not ids:
        return []
    values = await redis.mget([_key(namespace, worker_id) for worker_id in ids])
    gone = [worker_id for worker_id, value in zip(ids, values, strict=True) if value is None]
    if gone:
        await redis.srem(_index(namespace), *gone)
    return [orjson.loads(value) for value in values if value is not None]
