"""What a sign-in with a provider keeps between its steps, in Redis (never in the browser).

- The state of a started sign-in (provider, redirect URI, nonce, PKCE verifier), under a hash
  of its `state` value: used up once (DEL), so a replayed callback finds nothing; it expires
  after OIDC_STATE_TTL_SECONDS (by Redis and by the clock, whichever comes first).
- A pending step (link the identity to an existing account, or enter the TOTP code), under a
  hash of a random token handed to the client: it survives a wrong password or code up to
  OIDC_PENDING_MAX_ATTEMPTS times, and is finished once (DEL), so two concurrent confirmations
  cannot both succeed.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import orjson
from redis.asyncio import Redis

from app.accounts.throttle import redis_required
from app.clock import utcnow
from app.security.crypto import new_token
from app.settings import Settings

STATE_PREFIX = "oidc:state:"
PENDING_PREFIX = "oidc:pending:"
MAX_TOKEN_LENGTH = 256


def _key(prefix: str, raw: str) -> str:
    return prefix + hashlib.sha256(raw.encode()).hexdigest()


def _expires_at(seconds: int) -> float:
    return (utcnow() + timedelta(seconds=seconds)).timestamp()


def _current(data: dict[str, Any]) -> dict[str, Any] | None:
    return data if float(data.get("expires_at", 0)) > utcnow().timestamp() else None


async def save_state(redis: Redis, settings: Settings, state: str, data: dict[str, Any]) -> None:
    ttl = settings.oidc_state_ttl_seconds
    value = orjson.dumps({**data, "expires_at": _expires_at(ttl)})
    async with redis_required("oidc sign-in"):
        await redis.set(_key(STATE_PREFIX, state), value, ex=ttl)


async def peek_state(redis: Redis, state: str) -> dict[str, Any] | None:
    """The started sign-in of `state`; None when unknown, used or expired."""
    if not 0 < len(state) <= MAX_TOKEN_LENGTH:
        return None
    async with redis_required("oidc sign-in"):
        raw = await redis.get(_key(STATE_PREFIX, state))
    return _current(orjson.loads(raw)) if raw is not None else None


async def consume_state(redis: Redis, state: str) -> bool:
    """Use the state up; False when another request used it first."""
    async with redis_required("oidc sign-in"):
        return bool(await redis.delete(_key(STATE_PREFIX, state)))


async def save_pending(redis: Redis, settings: Settings, data: dict[str, Any]) -> str:
    token = new_token()
    ttl = settings.oidc_pending_ttl_seconds
    value = orjson.dumps({**data, "expires_at": _expires_at(ttl)})
    async with redis_required("oidc sign-in"):
        await redis.set(_key(PENDING_PREFIX, token), value, ex=ttl)
    return token


async def peek_pending(redis: Redis, token: str, kind: str) -> dict[str, Any] | None:
    if not 0 < len(token) <= MAX_TOKEN_LENGTH:
        return None
    async with redis_required("oidc sign-in"):
        raw = await redis.get(_key(PENDING_PREFIX, token))
    data = _current(orjson.loads(raw)) if raw is not None else None
    return data if data is not None and data.get("kind") == kind else None


async def fail_pending(redis: Redis, settings: Settings, token: str) -> None:
    """Count a wrong password or code; the step ends at the last allowed attempt."""
    key = _key(PENDING_PREFIX, token)
    async with redis_required("oidc sign-in"):
        attempts = await redis.incr(key + ":attempts")
        await redis.expire(key + ":attempts", settings.oidc_pending_ttl_seconds)
        if attempts >= settings.oidc_pending_max_attempts:
            await redis.delete(key)


async def finish_pending(redis: Redis, token: str) -> bool:
    """End the step; False when another request ended it first."""
    key = _key(PENDING_PREFIX, token)
    async with redis_required("oidc sign-in"):
        return bool(await redis.delete(key))
