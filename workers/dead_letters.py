"""Dead letters: every message Dramatiq rejects (retries exhausted, an exception the actor
`throws`, too old) is recorded in `failed_jobs` for admins to inspect and retry.

The record is written in `before_nack`, on the consumer thread, through the actors' event loop
(its runtime's database), before the broker moves the message to the dead-letter queue; it is
idempotent on the message id, so a message rejected again after a worker crash is one row. A
failure to record is logged and never stops the rejection.

The relay route `RETRY_JOB_TOPIC` (written by `app.admin.jobs.retry_failed_job`) enqueues the
same actor with the same arguments again, as a new message whose id is the outbox event id.
"""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq
import structlog
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from app.admin.jobs import record_failed_job
from app.outbox import OutboxEvent
from workers.runtime import get_runtime

RECORD_TIMEOUT_SECONDS = 10.0  # a database outage must not hold the consumer thread for long
log = structlog.get_logger(__name__)


def _error(message: Any) -> str:
    exception = getattr(message, "_exception", None)
    if exception is None:
        return "rejected without an exception (skipped or aborted)"
    return f"{type(exception).__name__}: {exception}"


async def _record(message: Any) -> bool:
    runtime = get_runtime()
    async with runtime.db.transaction() as session:
        return await record_failed_job(
            session,
            message_id=message.message_id,
            queue=message.queue_name,
            actor=message.actor_name,
            args=list(message.args),
            kwargs=dict(message.kwargs),
            error=_error(message),
            traceback=message.options.get("traceback"),
            retries=int(message.options.get("retries", 0)),
        )


class DeadLetters(Middleware):
    def before_nack(self, broker: dramatiq.Broker, message: Any) -> None:
        thread = get_event_loop_thread()
        try:
            if thread is None:
                raise RuntimeError("the actors' event loop is not running")
            thread.run_coroutine(asyncio.wait_for(_record(message), RECORD_TIMEOUT_SECONDS))
        except Exception:
            log.exception("jobs.dead_letter_not_recorded", message_id=message.message_id)


def enqueue_retry(broker: dramatiq.Broker, event: OutboxEvent) -> None:
    """Enqueue the retried job of an admin (the outbox route of RETRY_JOB_TOPIC)."""
    payload = event.payload
    actor = broker.get_actor(payload["actor"])  # ActorNotFound: the relay retries and logs it
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name=actor.queue_name,
        actor_name=actor.actor_name,
        args=tuple(payload.get("args") or ()),
        kwargs=dict(payload.get("kwargs") or {}),
        options={"outbox_event_id": str(event.id)},
        message_id=str(event.id),
    )
    broker.enqueue(message)
