"""GraphQL types of failed background work (dead-lettered messages, failing outbox events) and
of the outbox backlog, for admins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.admin.jobs import Backlog, FailedJobRow, JobSource, TopicBacklog
from schema.core.inputs import Input
from schema.core.mutation import Payload
from schema.core.relay import node_uuid

strawberry.enum(
    JobSource,
    name="FailedJobSource",
    description="DRAMATIQ: a job message that exhausted its retries (dead-lettered). OUTBOX: an "
    "event the outbox relay failed to hand on five times or more.",
)

# a failed job's global id names its source: retryFailedJob needs no other argument
_TYPE_NAMES = {JobSource.DRAMATIQ: "FailedJob", JobSource.OUTBOX: "FailingOutboxEvent"}


def failed_job_key(value: str) -> tuple[JobSource, uuid.UUID]:
    """The source and row id inside a failed job's `id` (an unknown id: a dead letter that
    does not exist)."""
    for source, type_name in _TYPE_NAMES.items():
        key = node_uuid(value, type_name)
        if key.int:
            return source, key
    return JobSource.DRAMATIQ, node_uuid(value, _TYPE_NAMES[JobSource.DRAMATIQ])


@strawberry.type(description="A background job that failed for good, kept for inspection.")
class FailedJob:
    row: strawberry.Private[FailedJobRow]

    @strawberry.field(description="Opaque; pass it to retryFailedJob.")
    def id(self) -> strawberry.ID:
        type_name = _TYPE_NAMES[JobSource(self.row.source)]
        return strawberry.ID(relay.to_base64(type_name, str(self.row.id)))

    @strawberry.field
    def source(self) -> JobSource:
        return JobSource(self.row.source)

    @strawberry.field(description="The Dramatiq queue (null for an outbox event).")
    def queue(self) -> str | None:
        return self.row.queue

    @strawberry.field(description="The actor's name, or the outbox event's topic.")
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="The actor's positional arguments, or the event's payload.")
    def args(self) -> JSON:
        return cast(JSON, self.row.args)

    @strawberry.field(description="The actor's keyword arguments (null for an outbox event).")
    def kwargs(self) -> JSON | None:
        return None if self.row.kwargs is None else cast(JSON, self.row.kwargs)

    @strawberry.field(description="The last error: exception type and message.")
    def error(self) -> str | None:
        return self.row.error

    @strawberry.field(description="The last traceback (its end, at most 8,000 characters).")
    def traceback(self) -> str | None:
        return self.row.traceback

    @strawberry.field(description="Failed runs (Dramatiq) or failed hand-overs (outbox).")
    def attempts(self) -> int:
        return self.row.attempts

    @strawberry.field(description="When it was dead-lettered (outbox: when the event was written).")
    def failed_at(self) -> datetime:
        return self.row.failed_at

    @strawberry.field(description="When an admin retried it.")
    def retried_at(self) -> datetime | None:
        return self.row.retried_at

    @strawberry.field(description="When it was retried (Dramatiq) or finally handed on (outbox).")
    def resolved_at(self) -> datetime | None:
        return self.row.resolved_at


@strawberry.input(description="Which failed jobs to list; unresolved ones of both sources.")
class FailedJobFilter:
    source: JobSource | None = None
    resolved: bool | None = strawberry.field(default=False, description="Null: both.")


@strawberry.input(description="A failed job to hand back to its queue.")
class RetryFailedJobInput(Input):
    id: strawberry.ID = strawberry.field(description="A FailedJob's `id`.")


@strawberry.type
class RetryFailedJobPayload(Payload):
    job: FailedJob | None = None


@strawberry.type(description="Undispatched outbox events of one topic.")
class OutboxTopicBacklog:
    topic: str
    pending: int
    with_errors: int = strawberry.field(description="Of them, how many failed at least once.")
    oldest_created_at: datetime

    @classmethod
    def of(cls, row: TopicBacklog) -> OutboxTopicBacklog:
        return cls(
            topic=row.topic,
            pending=row.pending,
            with_errors=row.with_errors,
            oldest_created_at=row.oldest_created_at,
        )


@strawberry.type(description="What the outbox relay still has to hand on.")
class OutboxBacklog:
    pending: int = strawberry.field(description="Events not dispatched yet.")
    with_errors: int = strawberry.field(description="Of them, how many failed at least once.")
    oldest_pending_at: datetime | None
    oldest_pending_age_seconds: float | None = strawberry.field(
        description="How long the oldest undispatched event has waited; null when none waits."
    )
    by_topic: list[OutboxTopicBacklog] = strawberry.field(description="Most pending first.")

    @classmethod
    def of(cls, backlog: Backlog) -> OutboxBacklog:
        return cls(
            pending=backlog.pending,
            with_errors=backlog.with_errors,
            oldest_pending_at=backlog.oldest_pending_at,
            oldest_pending_age_seconds=backlog.oldest_pending_age_seconds,
            by_topic=[OutboxTopicBacklog.of(t) for t in backlog.by_topic],
        )
