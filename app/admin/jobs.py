"""Failed background work and the outbox backlog, for admins.

Two sources of failed jobs:
- DRAMATIQ: a message that exhausted its retries (or was rejected) is dead-lettered; the worker's
  DeadLetters middleware records it here once per message id (`record_failed_job`: queue, actor,
  arguments, error, traceback cut to TRACEBACK_MAX characters, retries).
- OUTBOX: an outbox event whose hand-over failed OUTBOX_FAILING_ATTEMPTS times or more (the relay
  keeps retrying it with a backoff that doubles up to 10 minutes; by the fifth failure it has been
  failing for about half a minute). It counts as resolved once dispatched.

Retrying a dead letter marks it retried (and resolved) and writes an outbox event
(RETRY_JOB_TOPIC) in the same transaction; the worker's relay enqueues the same actor with the
same arguments, so the retry survives a crash and never happens twice. Retrying an outbox event
makes it due now with a fresh attempt count. Two admins retrying the same job at once: one wins,
the other gets CONFLICT.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import UserRole
from app.admin import queues_repo as repo
from app.admin.queues_repo import FailedJobRow, TopicBacklog
from app.clock import utcnow
from app.errors import Conflict, NotFound
from app.ids import new_id
from app.outbox import emit
from app.pagination import Page, PageRequest
from app.security.permissions import Actor, require_role

OUTBOX_FAILING_ATTEMPTS = 5
TRACEBACK_MAX = 8000
ERROR_MAX = 2000
RETRY_JOB_TOPIC = "admin.retry_job"

__all__ = [
    "FailedJobRow",
    "JobSource",
    "TopicBacklog",
    "failed_jobs",
    "outbox_backlog",
    "record_failed_job",
    "retry_failed_job",
]


class JobSource(enum.StrEnum):
    DRAMATIQ = repo.DRAMATIQ
    OUTBOX = repo.OUTBOX


async def record_failed_job(
    session: AsyncSession,
    *,
    message_id: str,
    queue: str,
    actor: str,
    args: list[Any],
    kwargs: dict[str, Any],
    error: str,
    traceback: str | None,
    retries: int,
) -> bool:
    """Keep a dead-lettered message for inspection; False when it was recorded before."""
    return await repo.insert_failed_job(
        session,
        {
            "id": new_id(),
            "message_id": message_id[:64],
            "queue": queue[:100],
            "actor": actor[:200],
            "args": args,
            "kwargs": kwargs,
            "error": error[:ERROR_MAX],
            "traceback": traceback[-TRACEBACK_MAX:] if traceback else None,
            "retries": retries,
            "failed_at": utcnow(),
        },
    )


async def failed_jobs(
    session: AsyncSession,
    *,
    actor: Actor,
    source: JobSource | None = None,
    resolved: bool | None = False,
    request: PageRequest,
    with_total: bool = False,
) -> Page[FailedJobRow]:
    """Failed jobs of both sources (or one), newest failure first; unresolved ones by default."""
    require_role(actor, UserRole.ADMIN)
    return await repo.failed_jobs_page(
        session,
        source=source.value if source is not None else None,
        resolved=resolved,
        min_outbox_attempts=OUTBOX_FAILING_ATTEMPTS,
        request=request,
        with_total=with_total,
    )


async def retry_failed_job(
    session: AsyncSession, *, actor: Actor, source: JobSource, job_id: uuid.UUID
) -> FailedJobRow:
    """Hand the job back to its queue (see the module); CONFLICT when it was retried already."""
    require_role(actor, UserRole.ADMIN)
    if source == JobSource.DRAMATIQ:
        job = await repo.claim_failed_job(session, job_id, at=utcnow())
        if job is None:
            raise await _gone(session, job_id, outbox=False)
        await emit(
            session,
            RETRY_JOB_TOPIC,
            {
                "failed_job_id": str(job.id),
                "queue": job.queue,
                "actor": job.actor,
                "args": job.args,
                "kwargs": job.kwargs,
            },
        )
        return FailedJobRow(
            JobSource.DRAMATIQ.value,
            job.id,
            job.queue,
            job.actor,
            job.args,
            job.kwargs,
            job.error,
            job.traceback,
            job.retries,
            job.failed_at,
            job.retried_at,
            job.resolved_at,
        )
    event = await repo.reset_failing_event(session, job_id, min_attempts=OUTBOX_FAILING_ATTEMPTS)
    if event is None:
        raise await _gone(session, job_id, outbox=True)
    return FailedJobRow(
        JobSource.OUTBOX.value,
        event.id,
        None,
        event.topic,
        event.payload,
        None,
        event.last_error,
        None,
        event.attempts,
        event.created_at,
        None,
        event.dispatched_at,
    )


async def _gone(session: AsyncSession, job_id: uuid.UUID, *, outbox: bool) -> Exception:
    if await repo.failed_job_exists(session, job_id, outbox=outbox):
        return Conflict("id", "This job has already been retried or has gone through.")
    return NotFound("FailedJob")


@dataclass(frozen=True)
class Backlog:
    pending: int
    with_errors: int
    oldest_pending_at: datetime | None
    oldest_pending_age_seconds: float | None
    by_topic: list[TopicBacklog]


async def outbox_backlog(session: AsyncSession, *, actor: Actor) -> Backlog:
    """What the outbox still has to hand on: counts, the oldest event's age, by topic."""
    require_role(actor, UserRole.ADMIN)
    topics = await repo.outbox_backlog(session)
    oldest = min((t.oldest_created_at for t in topics), default=None)
    age = None if oldest is None else max(0.0, (utcnow() - oldest).total_seconds())
    return Backlog(
        pending=sum(t.pending for t in topics),
        with_errors=sum(t.with_errors for t in topics),
        oldest_pending_at=oldest,
        oldest_pending_age_seconds=age,
        by_topic=topics,
    )
