"""Presence: who is in a course right now (best-effort, never persisted).

A live client is present in a course while its `userPresence(courseId)` subscription runs. Each
course has a Redis sorted set (member: user id, score: when the presence expires); the
subscription's heartbeat renews it every HEARTBEAT_SECONDS, so a process that dies leaves no
ghost for longer than TTL_SECONDS. Entries are pruned on every read and write. Joining (a user
not present before), leaving (the subscription ended) and expiring publish a presence event on
`live.course_channel(course_id, "presence")` straight to Redis (not through the outbox: presence
is not worth a database write), in the live message format (`app.live.encode`, a fresh id).
One user with two tabs is one member: the first tab to close reports them offline until the
other's next heartbeat reports them online again.
"""

from __future__ import annotations

import time
import uuid

from redis.asyncio import Redis

from app import live

HEARTBEAT_SECONDS = 20.0
TTL_SECONDS = 60.0
EVENT_TYPE = "presence"
MAX_LISTED = 100


def _key(course_id: uuid.UUID) -> str:
    return f"presence:course:{course_id}"


def channel(course_id: uuid.UUID) -> str:
    return live.course_channel(course_id, "presence")


async def _prune(redis: Redis, course_id: uuid.UUID) -> list[uuid.UUID]:
    """Drop expired members; returns who expired."""
    key, now = _key(course_id), time.time()
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zrangebyscore(key, "-inf", now)
        pipe.zremrangebyscore(key, "-inf", now)
        expired, _ = await pipe.execute()
    return [uuid.UUID(m.decode() if isinstance(m, bytes) else m) for m in expired]


async def _announce(redis: Redis, course_id: uuid.UUID, user_id: uuid.UUID, online: bool) -> None:
    count = int(await redis.zcard(_key(course_id)))
    event = {
        "type": EVENT_TYPE,
        "user_id": str(user_id),
        "online": online,
        "online_count": count,
    }
    await redis.publish(channel(course_id), live.encode(uuid.uuid4(), {"event": event}))


async def beat(redis: Redis, course_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Mark the user present for TTL_SECONDS more; a newcomer is announced (and so is anyone
    whose presence expired meanwhile)."""
    for gone in await _prune(redis, course_id):
        await _announce(redis, course_id, gone, online=False)
    key = _key(course_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zadd(key, {str(user_id): time.time() + TTL_SECONDS})
        pipe.expire(key, int(TTL_SECONDS) + 5)
        added, _ = await pipe.execute()
    if added:
        await _announce(redis, course_id, user_id, online=True)


async def leave(redis: Redis, course_id: uuid.UUID, user_id: uuid.UUID) -> None:
    if await redis.zrem(_key(course_id), str(user_id)):
        await _announce(redis, course_id, user_id, online=False)


async def online(redis: Redis, course_id: uuid.UUID) -> tuple[int, list[uuid.UUID]]:
    """How many are present, and the first MAX_LISTED of them (most recently renewed first)."""
    for gone in await _prune(redis, course_id):
        await _announce(redis, course_id, gone, online=False)
    key = _key(course_id)
    count = int(await redis.zcard(key))
    members = await redis.zrevrange(key, 0, MAX_LISTED - 1)
    return count, [uuid.UUID(m.decode() if isinstance(m, bytes) else str(m)) for m in members]
