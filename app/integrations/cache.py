"""Redis cache for public catalog data, invalidated by a version number.

Every entry is tied to the catalog version (one Redis integer) current when it was written:
`cache_key` embeds it in the key, and the GraphQL response cache (schema/core/cache.py) stores it
inside the entry. A catalog change calls `bump_catalog_version` — one script: INCR the version and
PUBLISH it on `CATALOG_VERSION_CHANNEL` — so every older entry is orphaned at once (a miss) and
simply expires by its TTL; nothing ever scans or deletes keys.

`CatalogVersionWatch` is one API process's knowledge of the version, pushed to it: it subscribes to
the channel and reads the version once subscribed, so the response cache can answer a hit from a
copy this process holds without asking Redis which version is current. The process that bumps
learns its own bump at once; the others within pub/sub delivery time (a message on a connection
already open). Whenever the watch may have missed a bump — before its first subscription, while
its connection is lost, after a (re)subscription, when the version goes backwards (Redis was
emptied), or when a periodic check (`CHECK_SECONDS`) finds Redis disagreeing — it says it does
not know (`version` None) or starts a new `epoch`, and copies kept under an older epoch are void.

Cache failures are never fatal: the readers here let `RedisError` propagate, and the caller
decides (the response cache treats any failure as a miss and executes normally).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import weakref
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.redis import registered

PREFIX = "cache:"
CATALOG_VERSION_KEY = f"{PREFIX}catalog:version"
CATALOG_VERSION_CHANNEL = f"{PREFIX}catalog:version:bumped"

_BUMP = """
local version = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], version)
return version
"""

log = structlog.get_logger(__name__)


async def catalog_version(redis: Redis) -> int:
    """The current catalog version (0 before the first change)."""
    raw = await redis.get(CATALOG_VERSION_KEY)
    return int(raw) if raw is not None else 0


async def bump_catalog_version(redis: Redis) -> int:
    """Orphan every cached catalog entry; call after a catalog change commits. The new version,
    published to every watching process (and known at once to the watch of `redis`)."""
    version = int(
        await registered(redis, _BUMP)(keys=[CATALOG_VERSION_KEY], args=[CATALOG_VERSION_CHANNEL])
    )
    watch = _WATCHES.get(redis)
    if watch is not None:
        watch.heard(version, published=False)
    return version


def cache_key(namespace: str, version: int, digest: str) -> str:
    """`cache:<namespace>:v<version>:<digest>` — the version makes a bump orphan old entries."""
    return f"{PREFIX}{namespace}:v{version}:{digest}"


async def get_bytes(redis: Redis, key: str) -> bytes | None:
    value = await redis.get(key)
    if value is None:
        return None
    return value.encode() if isinstance(value, str) else bytes(value)


async def set_bytes(redis: Redis, key: str, value: bytes, *, ttl_seconds: int) -> None:
    await redis.set(key, value, ex=ttl_seconds)


# every watch's epochs are distinct, so a copy kept under one watch is void under any other
_EPOCHS = itertools.count(1)
_WATCHES: weakref.WeakKeyDictionary[Redis, CatalogVersionWatch] = weakref.WeakKeyDictionary()


class CatalogVersionWatch:
    """The catalog version as this process last heard it (the module docstring): `version` is
    None while unknown, and `epoch` changes whenever a bump may have been missed."""

    RETRY_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.0)
    POLL_SECONDS = 1.0  # how long one read of the subscription waits
    CHECK_SECONDS = 5.0  # how often the version heard is compared with Redis's

    def __init__(self, url: str, redis: Redis) -> None:
        self._url = url
        self._redis = redis  # the app's client: reads the version; its bumps are heard at once
        self.version: int | None = None
        self.epoch = next(_EPOCHS)
        self._task: asyncio.Task[None] | None = None
        self._listener: Redis | None = None
        self._synced = asyncio.Event()

    async def start(self, *, wait_seconds: float = 2.0) -> None:
        """Subscribe, and wait (at most `wait_seconds`) until the version is known: a process
        starts knowing it, unless Redis is away (hits then ask Redis until the watch knows)."""
        # a client of its own, without retries: a lost connection must be seen, never silently
        # reconnected (what was published meanwhile would be missed)
        self._listener = Redis.from_url(
            self._url, socket_connect_timeout=2, health_check_interval=15
        )
        _WATCHES[self._redis] = self
        self._task = asyncio.create_task(self._listen(), name="catalog-version-watch")
        await self.synced(wait_seconds)

    async def stop(self) -> None:
        _WATCHES.pop(self._redis, None)
        self.lost()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._listener is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._listener.aclose()

    async def synced(self, seconds: float) -> bool:
        """Wait (at most `seconds`) until the version is known; whether it is."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._synced.wait()
        return self.version is not None

    def heard(self, version: int, *, published: bool) -> None:
        """A bump: `published` (from the channel, in order) or this process's own (its answer may
        come after a later bump was heard: an older one is then ignored)."""
        if self.version is None or version == self.version:
            return
        if version < self.version:
            if not published:
                return
            self.epoch = next(_EPOCHS)  # the version went back: Redis was emptied
        self.version = version

    def lost(self) -> None:
        self.version = None
        self.epoch = next(_EPOCHS)
        self._synced.clear()

    def _know(self, version: int) -> None:
        self.version = version
        self._synced.set()

    async def _listen(self) -> None:
        assert self._listener is not None
        failures = 0
        pubsub: Any = None
        checked = time.monotonic()
        while True:
            try:
                if pubsub is None:
                    pubsub = self._listener.pubsub()
                    await pubsub.subscribe(CATALOG_VERSION_CHANNEL)
                message = await pubsub.get_message(timeout=self.POLL_SECONDS)
                if message is not None and message.get("type") == "subscribe":
                    # (re)subscribed: what was published before is unknown; read it now
                    self.lost()
                    self._know(await catalog_version(self._redis))
                    checked = time.monotonic()
                elif message is not None and message.get("type") == "message":
                    self.heard(int(message["data"]), published=True)
                elif time.monotonic() - checked >= self.CHECK_SECONDS:
                    await self._check()
                    checked = time.monotonic()
                failures = 0
            except (RedisError, OSError, ValueError) as exc:
                self.lost()
                delay = self.RETRY_SECONDS[min(failures, len(self.RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("catalog_version_watch.lost", error=repr(exc), retry_in=delay)
                if pubsub is not None:
                    with contextlib.suppress(RedisError, OSError):
                        await pubsub.aclose()
                    pubsub = None
                await asyncio.sleep(delay)

    async def _check(self) -> None:
        """A subscription that stopped delivering without an error (a half-open connection)
        must not be believed for long: Redis disagreeing means a bump may have been missed."""
        before = self.version
        current = await catalog_version(self._redis)
        if before is not None and current != before and self.version == before:
            self.lost()
            self._know(current)
