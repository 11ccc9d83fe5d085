"""The worker's heartbeat: while its Dramatiq threads live, it refreshes its key (app.heartbeats).

A beat every third of WORKER_HEARTBEAT_TIMEOUT_SECONDS keeps the key alive; a clean stop deletes
it. When a consumer or worker thread has died the process cannot do its work: it stops beating
and asks to stop, so that its supervisor starts a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Callable

import structlog
from redis.exceptions import RedisError

from app.clock import utcnow
from app.heartbeats import beat, leave
from workers.runtime import get_runtime

log = structlog.get_logger(__name__)


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


async def heartbeat_until(
    stop: asyncio.Event, *, threads_alive: Callable[[], bool], worker_id: str
) -> bool:
    """Beat until `stop` is set; False when it stopped because the worker's threads died."""
    runtime = get_runtime()
    namespace = runtime.settings.queue_namespace
    ttl = runtime.settings.worker_heartbeat_timeout_seconds
    info: dict[str, object] = {
        "id": worker_id,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started_at": utcnow().isoformat(),
    }
    healthy = True
    try:
        while not stop.is_set():
            if not threads_alive():
                log.error("worker.threads_died", worker_id=worker_id)
                healthy = False
                stop.set()
                break
            try:
                await beat(runtime.redis, namespace, worker_id, ttl_seconds=ttl, info=info)
            except (RedisError, OSError) as exc:
                log.warning("worker.heartbeat_failed", error=str(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=ttl / 3)
    finally:
        with contextlib.suppress(RedisError, OSError):
            await leave(runtime.redis, namespace, worker_id)
    return healthy
