"""Brute-force throttles of the accounts domain, over the shared Redis rate limiter.

Two ways of counting:
- `take`: every attempt counts (registrations, e-mail requests, token guesses);
- `refused` + `record_failure` + `forget`: only failures count (login and current-password
  checks); a success clears the failures of that account from that IP.
Keys never hold an e-mail address in clear (a hash of it). Redis unreachable: the attempt is
refused with SERVICE_UNAVAILABLE (nothing is checked without its throttle).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.accounts.errors import AccountsCode
from app.errors import FieldError, RateLimited, ServiceUnavailable
from app.security import ratelimit
from app.security.passwords import MAX_LENGTH, verify_password
from app.settings import Settings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Bucket:
    key: str
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class LoginBuckets:
    """Failed sign-ins per (account, IP) and per IP — hard limits — and per account: a ceiling
    an attacker on many IPs can reach, past which only a known device may still sign in."""

    account_ip: Bucket
    ip: Bucket
    account: Bucket

    @property
    def hard(self) -> tuple[Bucket, Bucket]:
        return self.account_ip, self.ip

    @property
    def every(self) -> tuple[Bucket, Bucket, Bucket]:
        return self.account_ip, self.ip, self.account


def email_key(prefix: str, email: str) -> str:
    return f"{prefix}:email:{_digest(email)}"


def ip_key(prefix: str, ip: str | None) -> str:
    return f"{prefix}:ip:{ip or 'unknown'}"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def login_buckets(
    settings: Settings, *, account: str, ip: str | None, prefix: str = "login"
) -> LoginBuckets:
    window = settings.login_window_seconds
    return LoginBuckets(
        account_ip=Bucket(
            f"{prefix}:account-ip:{_digest(account)}:{ip or 'unknown'}",
            settings.login_max_attempts_per_account_ip,
            window,
        ),
        ip=Bucket(ip_key(prefix, ip), settings.login_max_attempts_per_ip, window),
        account=Bucket(email_key(prefix, account), settings.login_max_attempts_per_account, window),
    )


@asynccontextmanager
async def redis_required(what: str) -> AsyncIterator[None]:
    """Redis unreachable inside the block: SERVICE_UNAVAILABLE with retry advice."""
    try:
        yield
    except (RedisError, OSError) as exc:
        log.warning("redis unavailable", needed_for=what, error=repr(exc))
        raise ServiceUnavailable() from exc


async def take(redis: Redis, *buckets: Bucket) -> None:
    """Charge one attempt to every bucket; RateLimited when any is exhausted."""
    retry_after = 0
    async with redis_required("throttle"):
        for bucket in buckets:
            result = await ratelimit.hit(
                redis, bucket.key, limit=bucket.limit, window_seconds=bucket.window_seconds
            )
            if not result.allowed:
                retry_after = max(retry_after, result.reset_after)
    if retry_after:
        raise RateLimited(retry_after)


async def refused(redis: Redis, *buckets: Bucket) -> int:
    """Seconds to wait when a bucket already holds `limit` failures (nothing is charged), else 0."""
    retry_after = 0
    async with redis_required("throttle"):
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
    return retry_after


async def guard(redis: Redis, *buckets: Bucket) -> None:
    """Refuse (without charging) when a bucket already holds `limit` failures."""
    if retry_after := await refused(redis, *buckets):
        raise RateLimited(retry_after)


async def record_failure(redis: Redis, *buckets: Bucket) -> None:
    async with redis_required("throttle"):
        for bucket in buckets:
            await ratelimit.hit(
                redis, bucket.key, limit=bucket.limit, window_seconds=bucket.window_seconds
            )


async def forget(redis: Redis, bucket: Bucket) -> None:
    async with redis_required("throttle"):
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
    """Re-authentication before a sensitive change: INVALID_PASSWORD on mismatch, and failure
    throttles like login's but of their own (failed sign-ins by others do not block the owner's
    signed-in changes; a stolen session cannot brute-force the password)."""
    buckets = login_buckets(settings, account=email, ip=ip, prefix="reauth")
    await guard(redis, *buckets.every)
    if len(password) <= MAX_LENGTH and verify_password(password_hash, password):
        return []
    await record_failure(redis, *buckets.every)
    return [FieldError(field, "The current password is not correct", AccountsCode.INVALID_PASSWORD)]
