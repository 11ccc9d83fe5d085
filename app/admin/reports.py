"""The moderators' side of content reports: the queue and its resolution (`moderation.manage`).

The queue lists reports oldest first (open ones by default), each with how many reports its
target has. Resolving a report decides for its target, so every open report of the same target
is closed at once: DISMISS leaves the content alone (status `dismissed`); HIDE_CONTENT and
DELETE_CONTENT take it out of view through its domain's own service (a discussion post is
soft-deleted as its author or a teacher would; a message is hidden from both participants; a
course review is hidden, which takes it out of the course's rating too) and
the reports become `resolved`. The content row itself is kept for the record either way, and the
action taken is in the audit log (the mutation is privileged).

Two moderators resolving the same target at once: the open reports are row-locked in one order,
so one wins and the other finds nothing open any more — CONFLICT, and nothing changes twice.
"""

from __future__ import annotations

import contextlib
import enum
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.admin import queues_repo as repo
from app.admin.models import ReportStatus
from app.admin.queues_repo import ReportRow
from app.clock import utcnow
from app.cms import REVIEW_REPORT_TARGET, hide_review
from app.communication import discussions, messaging
from app.errors import Common, Conflict, Invalid, NotFound
from app.pagination import Page, PageRequest
from app.security.permissions import Actor, Permission, require_permission
from app.security.sanitize import plain_text

NOTE_MAX_LENGTH = 2000

__all__ = ["ReportAction", "ReportRow", "ReportTarget", "moderation_queue", "resolve_report"]


class ReportTarget(enum.StrEnum):
    DISCUSSION_POST = discussions.REPORT_TARGET
    MESSAGE = messaging.REPORT_TARGET
    COURSE_REVIEW = REVIEW_REPORT_TARGET


class ReportAction(enum.StrEnum):
    DISMISS = "dismiss"
    HIDE_CONTENT = "hide_content"
    DELETE_CONTENT = "delete_content"


@dataclass(frozen=True)
class Resolution:
    report: ReportRow  # as it stands after the decision
    closed: int  # reports of the target closed by this decision


async def moderation_queue(
    session: AsyncSession,
    *,
    actor: Actor,
    status: ReportStatus | None = ReportStatus.OPEN,
    target_type: ReportTarget | None = None,
    request: PageRequest,
    with_total: bool = False,
) -> Page[ReportRow]:
    require_permission(actor, Permission.MODERATION_MANAGE)
    return await repo.reports_page(
        session,
        status=status,
        target_type=target_type.value if target_type is not None else None,
        request=request,
        with_total=with_total,
    )


async def resolve_report(
    session: AsyncSession,
    *,
    actor: Actor,
    report_id: uuid.UUID,
    action: ReportAction,
    note: str | None = None,
) -> Resolution:
    """Decide on the report's target and close every open report of it (see the module)."""
    require_permission(actor, Permission.MODERATION_MANAGE)
    text = plain_text(note or "") or None
    if text is not None and len(text) > NOTE_MAX_LENGTH:
        raise Invalid("note", f"At most {NOTE_MAX_LENGTH} characters, please.", Common.TOO_LONG)
    report = await repo.get_report(session, report_id)
    if report is None:
        raise NotFound("ContentReport")
    open_reports = await repo.lock_open_reports(session, report.target_type, report.target_id)
    if report.id not in {r.id for r in open_reports}:
        raise Conflict("report_id", "This report has already been resolved.")
    if action != ReportAction.DISMISS:
        await _take_down(session, actor, report.target_type, report.target_id)
    status = ReportStatus.DISMISSED if action == ReportAction.DISMISS else ReportStatus.RESOLVED
    await repo.close_reports(
        session, [r.id for r in open_reports], status=status, by=actor.id, at=utcnow(), note=text
    )
    row = await repo.report_row(session, report.id)
    assert row is not None
    return Resolution(row, len(open_reports))


async def _take_down(
    session: AsyncSession, actor: Actor, target_type: str, target_id: uuid.UUID
) -> None:
    try:
        if target_type == ReportTarget.DISCUSSION_POST:
            await discussions.delete_post(session, actor=actor, post_id=target_id)
        elif target_type == ReportTarget.MESSAGE:
            await messaging.remove_message(session, actor=actor, message_id=target_id)
        elif target_type == ReportTarget.COURSE_REVIEW:
            await _hide_review(session, actor, target_id)
    except NotFound:
        pass  # already gone with its thread or conversation: nothing left to take down


async def _hide_review(session: AsyncSession, actor: Actor, review_id: uuid.UUID) -> None:
    with contextlib.suppress(Conflict):  # hidden already
        await hide_review(session, actor=actor, review_id=review_id, note="Reported content")
