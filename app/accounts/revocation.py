"""Revoked sessions in Redis, so that their access tokens die at once, not when they expire.

Every access token names its session (`sid`). Ending a session (logout, revoking one, a refresh
token presented twice) writes `revoked-session:<sid>` with a time-to-live of one access-token
lifetime — by then every token of that session has expired anyway — and each request that uses
its token asks Redis whether that key exists (one EXISTS, once per request).

The write happens inside the service's transaction, before the commit: if Redis cannot take it,
SERVICE_UNAVAILABLE rolls the revocation back (the client retries); a commit that fails after it
only ends early tokens of a session the user was ending anyway. Reuse detection writes after
its own commit (the family must stay revoked even when Redis is down), best effort.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from redis.asyncio import Redis

from app.accounts.throttle import redis_required
from app.security.tokens import CLOCK_LEEWAY_SECONDS
from app.settings import Settings


def key(session_id: uuid.UUID) -> str:
    return f"revoked-session:{session_id.hex}"


async def revoke(redis: Redis, settings: Settings, session_ids: Iterable[uuid.UUID]) -> None:
    """Mark the sessions revoked for as long as any of their access tokens may live."""
    ids = list(dict.fromkeys(session_ids))
    if not ids:
        return
    ttl = settings.access_token_ttl_seconds + CLOCK_LEEWAY_SECONDS
    async with redis_required("session revocation"), redis.pipeline(transaction=False) as pipe:
        for session_id in ids:
            pipe.set(key(session_id), b"1", ex=ttl)
        await pipe.execute()


async def is_revoked(redis: Redis, session_id: uuid.UUID) -> bool:
    """Raises RedisError / OSError when Redis cannot answer (the caller decides what then)."""
    return bool(await redis.exists(key(session_id)))


async def revoked_among(redis: Redis, session_ids: list[uuid.UUID]) -> list[bool]:
    """`is_revoked` for many sessions in one round trip (a pipeline of EXISTS), in order."""
    async with redis.pipeline(transaction=False) as pipe:
        for session_id in session_ids:
            pipe.exists(key(session_id))
        found = await pipe.execute()
    return [bool(n) for n in found]
