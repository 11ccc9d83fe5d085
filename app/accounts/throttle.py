"""Brute-force throttles of the accounts domain, over the shared Redis rate limiter.

Two ways of counting:
- `take`: every attempt counts (registrations, e-mail requests, token guesses);
- `guard` + `record_failure` + `forget`: only failures count (login and current-password checks
  per account and per IP); a success clears the account's count.
Keys never hold an e-mail address in clear (a hash of it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis

from app.accounts.errors import AccountsCode
from app.errors import FieldError, RateLimited
from app.security import ratelimit
from app.security.passwords import MAX_LENGTH, verify_password
from app.settings import Settings


@dataclass(frozen=True)
class Bucket:
    key: str
    limit: int
    window_seconds: int


def email_key(prefix: str, email: str) -> str:
    return f"{prefix}:email:{hashlib.sha256(email.encode()).hexdigest()[:32]}"


def ip_key(prefix: str, ip: str | None) -> str:
    return f"{prefix}:ip:{ip or 'unknown'}"


def login_buckets(settings: Settings, *, account: str, ip: str | None) -> list[Bucket]:
    window = settings.login_window_seconds
    return [
        Bucket(email_key("login", account), settings.login_max_attempts_per_account, window),
        Bucket(ip_key("login", ip), settings.login_max_attempts_per_ip, window),
    ]


async def take(redis: Redis, *buckets: Bucket) -> None:
    """Charge one attempt to every bucket; RateLimited when any is exhausted."""
    retry_after = 0
    for bucket in buckets:
        result = await ratelimit.hit(
            redis, bucket.key, limit=bucket.limit, window_seconds=bucket.window_seconds
        )
        if not result.allowed:
            retry_after = max(retry_after, result.reset_after)
    if retry_after:
        raise RateLimited(retry_after)


async def guard(redis: Redis, *buckets: Bucket) -> None:
    """Refuse (without charging) when a bucket already holds `limit` failures."""
    retry_after = 0
    for bucket in buckets:
        result = await ratelimit.hit(
            redis,
            bucket.key,
            limit=max(bucket.limit - 1, 0),
            window_seconds=bucket.window_seconds,
            cost=0,
        )
        if not result.allowed:
            retry_after = max(retry_after, result.reset_after)
    if retry_after:
        raise RateLimited(retry_after)


async def record_failure(redis: Redis, *buckets: Bucket) -> None:
    for bucket in buckets:
        await ratelimit.hit(
            redis, bucket.key, limit=bucket.limit, window_seconds=bucket.window_seconds
        )


async def forget(redis: Redis, bucket: Bucket) -> None:
    await ratelimit.reset(redis, bucket.key, window_seconds=bucket.window_seconds)


async def check_current_password(
    redis: Redis,
    settings: Settings,
    *,
    email: str,
    password_hash: str,
    password: str,
    ip: str | None,
    field: str = "current_password",
) -> list[FieldError]:
    """Re-authentication before a sensitive change: INVALID_PASSWORD on mismatch, and the same
    per-account/IP failure throttle as login (a stolen session cannot brute-force it)."""
    buckets = login_buckets(settings, account=email, ip=ip)
    await guard(redis, *buckets)
    if len(password) <= MAX_LENGTH and verify_password(password_hash, password):
        return []
    await record_failure(redis, *buckets)
    return [FieldError(field, "The current password is not correct", AccountsCode.INVALID_PASSWORD)]
