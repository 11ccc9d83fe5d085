"""The Dramatiq broker, set before any actor module is imported.

Production and development use a RedisBroker on `REDIS_URL` (namespace "easyways"); tests
(`EASYWAYS_ENV=test`) use a StubBroker with the same middleware, driven with `broker.join`.

The RedisBroker requeues the messages a dead worker had taken (fetched, never acknowledged) once
its heartbeat is older than WORKER_HEARTBEAT_TIMEOUT_SECONDS. It does so during "maintenance",
which by default runs on one broker command in a thousand — minutes to hours on a quiet queue —
so here it runs on every command: a few cheap sorted-set reads, and the requeue of a killed
worker's jobs follows within seconds of its timeout. Actors are idempotent for that redelivery.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    AsyncIO,
    Callbacks,
    CurrentMessage,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from app.settings import Settings, get_settings
from workers.dead_letters import DeadLetters
from workers.enrollments import EnrollmentChanges
from workers.runtime import RuntimeCleanup

MAX_RETRIES = 10
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 5 * 60_000
TIME_LIMIT_MS = 10 * 60_000
MAX_AGE_MS = 7 * 24 * 3600_000


def build_middleware() -> list[Middleware]:
    """Async actors, retries with capped exponential backoff, time and age limits, callbacks.

    RuntimeCleanup comes after AsyncIO so that on shutdown it closes the worker's engine and
    Redis client on the event loop before AsyncIO stops that loop (after-hooks run reversed).
    """
    return [
        AgeLimit(max_age=MAX_AGE_MS),
        TimeLimit(time_limit=TIME_LIMIT_MS),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=MAX_RETRIES, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS),
        CurrentMessage(),
        AsyncIO(),
        RuntimeCleanup(),
        EnrollmentChanges(),
        DeadLetters(),
    ]


def build_broker(settings: Settings) -> dramatiq.Broker:
    if settings.env == "test":
        return StubBroker(middleware=build_middleware())
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set: the worker needs the Redis/Valkey broker")
    return RedisBroker(  # type: ignore[no-untyped-call]
        url=settings.redis_url,
        namespace=settings.queue_namespace,
        middleware=build_middleware(),
        heartbeat_timeout=settings.worker_heartbeat_timeout_seconds * 1000,
        maintenance_chance=MAINTENANCE_SCALE,
    )


broker = build_broker(get_settings())
dramatiq.set_broker(broker)
