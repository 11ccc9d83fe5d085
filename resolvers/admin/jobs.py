"""Root fields of failed jobs and the outbox backlog (admins only)."""

from __future__ import annotations

import strawberry

from app.admin import jobs
from app.pagination import PageRequest
from schema.admin.jobs import (
    FailedJob,
    FailedJobFilter,
    OutboxBacklog,
    RetryFailedJobInput,
    RetryFailedJobPayload,
    failed_job_key,
)
from schema.core.admin_only import admin_field
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, selects_total_count


@strawberry.type
class Query:
    @admin_field(
        description="Dead-lettered job messages and outbox events that keep failing, newest "
        "first (unresolved ones unless the filter says otherwise)."
    )
    async def failed_jobs(
        self,
        info: Info,
        filter: FailedJobFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[FailedJob]:
        actor = await require_actor(info)
        chosen = filter or FailedJobFilter()
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await jobs.failed_jobs(
                session,
                actor=actor,
                source=chosen.source,
                resolved=chosen.resolved,
                request=request,
                with_total=selects_total_count(info),
            )
        return Connection[FailedJob].from_page(page, lambda row: FailedJob(row=row))

    @admin_field(description="Undispatched outbox events: counts, the oldest one's age, by topic.")
    async def outbox_backlog(self, info: Info) -> OutboxBacklog | None:
        actor = await require_actor(info)
        async with info.context.db.session() as session:
            return OutboxBacklog.of(await jobs.outbox_backlog(session, actor=actor))


@strawberry.type
class Mutation:
    @mutation(
        description="Hand a failed job back: a dead letter is enqueued again (same actor, same "
        "arguments), an outbox event becomes due now. Retrying it twice is CONFLICT.",
        privileged=True,
    )
    async def retry_failed_job(
        self, info: Info, input: RetryFailedJobInput, tx: Tx
    ) -> RetryFailedJobPayload:
        source, key = failed_job_key(input.id)
        row = await jobs.retry_failed_job(tx.session, actor=tx.actor, source=source, job_id=key)
        return RetryFailedJobPayload(job=FailedJob(row=row))
