"""Per-event-loop resources of a worker: settings, database, Redis client, mailer and storage.

Async actors run on the event loop thread of Dramatiq's AsyncIO middleware; the outbox relay runs
on the worker's main-thread loop. An engine or Redis connection must never cross event loops, so
each loop lazily builds its own `Runtime` on first use and closes it when the worker shuts down.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware
from redis.asyncio import Redis

from app.analytics.recorder import BUFFER, flush_and_discard
from app.db import Database
from app.integrations.mail import Mailer, make_mailer
from app.integrations.storage import Storage, make_storage
from app.redis import make_redis
from app.settings import Settings, get_settings


@dataclass
class Runtime:
    settings: Settings
    db: Database
    redis: Redis
    mailer: Mailer
    storage: Storage

    async def close(self) -> None:
        from app.search.service import close_backend_clients

        await close_backend_clients()
        await self.db.dispose()
        await self.redis.aclose()


_runtimes: dict[asyncio.AbstractEventLoop, Runtime] = {}


def build_runtime(settings: Settings) -> Runtime:
    if not settings.database_url or not settings.redis_url:
        raise RuntimeError("the worker needs DATABASE_URL and REDIS_URL")
    return Runtime(
        settings=settings,
        db=Database.from_url(settings.database_url, pool_size=5, max_overflow=5, role="worker"),
        redis=make_redis(settings.redis_url),
        mailer=make_mailer(settings),
        storage=make_storage(settings),
    )


def get_runtime() -> Runtime:
    """The runtime of the running event loop, created on first use inside that loop."""
    loop = asyncio.get_running_loop()
    runtime = _runtimes.get(loop)
    if runtime is None:
        runtime = _runtimes[loop] = build_runtime(get_settings())
    return runtime


async def close_runtime() -> None:
    runtime = _runtimes.pop(asyncio.get_running_loop(), None)
    if runtime is not None:
        await runtime.close()


async def flush_events_and_close() -> None:
    """The actors have stopped: write the learning events they recorded last, then close."""
    if len(BUFFER):
        await flush_and_discard(get_runtime().db)
    await close_runtime()


class RuntimeCleanup(Middleware):
    """Writes the learning events still buffered and closes the actors' runtime on their event
    loop before the AsyncIO middleware stops it."""

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        thread = get_event_loop_thread()
        if thread is not None and thread.loop.is_running():
            thread.run_coroutine(flush_events_and_close())
