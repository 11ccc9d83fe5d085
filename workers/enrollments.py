"""Course pages show enrollment counts, and anonymous course pages are cached: after a job that
may enroll or unenroll students has run (a payment completing an order, a refund, a subscription
ending — all applied by `process_payment_event`), orphan the cached catalog reads.

The bump follows the actor's own committed transaction, succeeded or not (a partly applied event
may have committed some enrollments); a spare bump only costs a cache miss. A Redis failure is
logged: the cached pages then expire by their TTL.
"""

from __future__ import annotations

from typing import Any

import structlog
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware
from redis.exceptions import RedisError

from app.integrations.cache import bump_catalog_version
from workers.runtime import get_runtime

ENROLLING_ACTORS = frozenset({"process_payment_event"})
log = structlog.get_logger(__name__)


async def bump_catalog() -> None:
    try:
        await bump_catalog_version(get_runtime().redis)
    except (RedisError, OSError):
        log.warning("catalog_cache_bump_failed", exc_info=True)


class EnrollmentChanges(Middleware):
    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        thread = get_event_loop_thread()
        if message.actor_name in ENROLLING_ACTORS and thread is not None:
            thread.run_coroutine(bump_catalog())
