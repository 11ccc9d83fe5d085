"""SQL of the admin work queues: content reports, dead-lettered jobs, the outbox backlog."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.admin.models import ContentReport, FailedJob, ReportStatus
from app.outbox import OutboxEvent
from app.pagination import Page, PageRequest, SortKey, paginate

# --- content reports ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    report: ContentReport
    target_reports: int  # every report of the same target
    target_open_reports: int  # the open ones


def _target_count(*, open_only: bool) -> Any:
    other = aliased(ContentReport)
    where: list[ColumnElement[bool]] = [
        other.target_type == ContentReport.target_type,
        other.target_id == ContentReport.target_id,
    ]
    if open_only:
        where.append(other.status == ReportStatus.OPEN)
    return select(func.count()).select_from(other).where(*where).scalar_subquery()


async def reports_page(
    session: AsyncSession,
    *,
    status: ReportStatus | None,
    target_type: str | None,
    request: PageRequest,
    with_total: bool,
) -> Page[ReportRow]:
    """Reports oldest first, each with how many reports (open ones) its target has."""
    stmt = select(ContentReport, _target_count(open_only=False), _target_count(open_only=True))
    if status is not None:
        stmt = stmt.where(ContentReport.status == status)
    if target_type is not None:
        stmt = stmt.where(ContentReport.target_type == target_type)
    page = await paginate(
        session,
        stmt,
        order_by=[ContentReport.created_at.expression],
        tiebreaker=ContentReport.id.expression,
        request=request,
        with_total=with_total,
    )
    items = [ReportRow(row[0], int(row[1]), int(row[2])) for row in page.items]
    return Page(items, page.cursors, page.has_next, page.has_previous, page.total_count)


async def report_row(session: AsyncSession, report_id: uuid.UUID) -> ReportRow | None:
    row = (
        await session.execute(
            select(ContentReport, _target_count(open_only=False), _target_count(open_only=True))
            .where(ContentReport.id == report_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    return None if row is None else ReportRow(row[0], int(row[1]), int(row[2]))


async def get_report(session: AsyncSession, report_id: uuid.UUID) -> ContentReport | None:
    found: ContentReport | None = await session.scalar(
        select(ContentReport).where(ContentReport.id == report_id)
    )
    return found


async def lock_open_reports(
    session: AsyncSession, target_type: str, target_id: uuid.UUID
) -> list[ContentReport]:
    """Every open report of the target, row-locked in id order (one order: no deadlock). A
    report another transaction resolved meanwhile is no longer open once its lock is ours."""
    rows = await session.scalars(
        select(ContentReport)
        .where(
            ContentReport.target_type == target_type,
            ContentReport.target_id == target_id,
            ContentReport.status == ReportStatus.OPEN,
        )
        .order_by(ContentReport.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def close_reports(
    session: AsyncSession,
    ids: Sequence[uuid.UUID],
    *,
    status: ReportStatus,
    by: uuid.UUID,
    at: datetime,
    note: str | None,
) -> None:
    await session.execute(
        update(ContentReport)
        .where(ContentReport.id.in_(list(ids)))
        .values(status=status, resolved_by_id=by, resolved_at=at, resolution_note=note)
        .execution_options(synchronize_session="fetch")
    )


# --- failed jobs ------------------------------------------------------------------------------

DRAMATIQ = "dramatiq"
OUTBOX = "outbox"


@dataclass(frozen=True)
class FailedJobRow:
    source: str  # DRAMATIQ | OUTBOX
    id: uuid.UUID
    queue: str | None
    name: str  # the actor, or the outbox topic
    args: Any
    kwargs: Any
    error: str | None
    traceback: str | None
    attempts: int
    failed_at: datetime
    retried_at: datetime | None
    resolved_at: datetime | None


async def insert_failed_job(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Record a dead-lettered message once per message id; False when it was recorded before."""
    inserted = await session.scalar(
        insert(FailedJob)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[FailedJob.message_id])
        .returning(FailedJob.id)
    )
    return inserted is not None


def _dramatiq_jobs(resolved: bool | None) -> Select[Any]:
    stmt = select(
        literal(DRAMATIQ).label("source"),
        FailedJob.id.label("id"),
        FailedJob.queue.label("queue"),
        FailedJob.actor.label("name"),
        FailedJob.args.label("args"),
        FailedJob.kwargs.label("kwargs"),
        FailedJob.error.label("error"),
        FailedJob.traceback.label("traceback"),
        FailedJob.retries.label("attempts"),
        FailedJob.failed_at.label("failed_at"),
        FailedJob.retried_at.label("retried_at"),
        FailedJob.resolved_at.label("resolved_at"),
    )
    if resolved is not None:
        stmt = stmt.where(
            FailedJob.resolved_at.is_not(None) if resolved else FailedJob.resolved_at.is_(None)
        )
    return stmt


def _failing_events(resolved: bool | None, min_attempts: int) -> Select[Any]:
    stmt = select(
        literal(OUTBOX).label("source"),
        OutboxEvent.id.label("id"),
        null().label("queue"),
        OutboxEvent.topic.label("name"),
        OutboxEvent.payload.label("args"),
        null().label("kwargs"),
        OutboxEvent.last_error.label("error"),
        null().label("traceback"),
        OutboxEvent.attempts.label("attempts"),
        OutboxEvent.created_at.label("failed_at"),
        null().label("retried_at"),
        OutboxEvent.dispatched_at.label("resolved_at"),
    ).where(OutboxEvent.attempts >= min_attempts)
    if resolved is not None:
        stmt = stmt.where(
            OutboxEvent.dispatched_at.is_not(None)
            if resolved
            else OutboxEvent.dispatched_at.is_(None)
        )
    return stmt


async def failed_jobs_page(
    session: AsyncSession,
    *,
    source: str | None,
    resolved: bool | None,
    min_outbox_attempts: int,
    request: PageRequest,
    with_total: bool,
) -> Page[FailedJobRow]:
    """Dead-lettered messages and outbox events failing `min_outbox_attempts` times or more,
    newest failure first, in one statement."""
    parts: list[Select[Any]] = []
    if source in (None, DRAMATIQ):
        parts.append(_dramatiq_jobs(resolved))
    if source in (None, OUTBOX):
        parts.append(_failing_events(resolved, min_outbox_attempts))
    jobs = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("jobs")
    page = await paginate(
        session,
        select(jobs),
        order_by=[SortKey(jobs.c.failed_at, descending=True)],
        tiebreaker=jobs.c.id,
        request=request,
        with_total=with_total,
    )
    items = [FailedJobRow(*row) for row in page.items]
    return Page(items, page.cursors, page.has_next, page.has_previous, page.total_count)


async def claim_failed_job(
    session: AsyncSession, job_id: uuid.UUID, *, at: datetime
) -> FailedJob | None:
    """Mark an unresolved dead letter retried and resolved; None when there is none (or another
    admin took it first: the row lock decides)."""
    found: FailedJob | None = await session.scalar(
        update(FailedJob)
        .where(FailedJob.id == job_id, FailedJob.resolved_at.is_(None))
        .values(retried_at=at, resolved_at=at)
        .returning(FailedJob)
    )
    return found


async def failed_job_exists(session: AsyncSession, job_id: uuid.UUID, *, outbox: bool) -> bool:
    model: Any = OutboxEvent if outbox else FailedJob
    return bool(await session.scalar(select(func.count()).where(model.id == job_id)))


async def reset_failing_event(
    session: AsyncSession, event_id: uuid.UUID, *, min_attempts: int
) -> OutboxEvent | None:
    """Make a failing, undispatched outbox event due now with a fresh attempt count."""
    found: OutboxEvent | None = await session.scalar(
        update(OutboxEvent)
        .where(
            OutboxEvent.id == event_id,
            OutboxEvent.dispatched_at.is_(None),
            OutboxEvent.attempts >= min_attempts,
        )
        .values(available_at=func.now(), attempts=0)
        .returning(OutboxEvent)
    )
    return found


# --- the outbox backlog -----------------------------------------------------------------------


@dataclass(frozen=True)
class TopicBacklog:
    topic: str
    pending: int
    with_errors: int
    oldest_created_at: datetime


async def outbox_backlog(session: AsyncSession) -> list[TopicBacklog]:
    """Undispatched events by topic, most pending first (one statement)."""
    pending = OutboxEvent.dispatched_at.is_(None)
    rows = await session.execute(
        select(
            OutboxEvent.topic,
            func.count(),
            func.count(case((OutboxEvent.last_error.is_not(None), 1))),
            func.min(OutboxEvent.created_at),
        )
        .where(and_(pending))
        .group_by(OutboxEvent.topic)
        .order_by(func.count().desc(), OutboxEvent.topic)
    )
    return [TopicBacklog(r[0], int(r[1]), int(r[2]), r[3]) for r in rows]
