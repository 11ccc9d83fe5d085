"""CSV reports over a date range: a course's (its owner, co-instructors and admins) and the
platform's (admins).

A request records an `analytics_reports` row. Ranges of at most ANALYTICS_REPORT_INLINE_DAYS are
built in the request's transaction; longer ones are queued through the outbox (same transaction)
for the `build_analytics_report` actor, which builds each pending report once (it locks the row,
and a report no longer pending is left alone). The CSV is stored through the storage integration
under `reports/analytics/<id>.csv`; a ready report is handed out as a signed download URL that
expires after ANALYTICS_REPORT_URL_TTL_SECONDS. Only the requester and admins see a report.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import catalog
from app.analytics.dashboards import DayRange
from app.analytics.downloads import Download, signed_download
from app.analytics.report_csv import course_report_csv, platform_report_csv
from app.analytics.rollup_models import AnalyticsReport, ReportKind, ReportStatus
from app.catalog.models import CourseInstructorRole, CourseStatus
from app.clock import utcnow
from app.db import Database
from app.errors import Forbidden, NotFound
from app.integrations.storage import Storage
from app.outbox import emit
from app.security.permissions import Actor, Permission, has_permission

BUILD_REPORT = "analytics.build_report"
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ReportLimits:
    max_days: int
    inline_days: int


def _is_admin(actor: Actor) -> bool:
    return has_permission(actor, Permission.ANALYTICS_VIEW_PLATFORM)


async def _require_course_analyst(
    session: AsyncSession, actor: Actor, course_id: uuid.UUID
) -> None:
    course = await catalog.get_course(session, course_id)
    if course is None:
        raise NotFound("Course")
    if _is_admin(actor):
        return
    role = await catalog.teaching_role(session, course_id=course_id, user_id=actor.id)
    teaches = course.instructor_id == actor.id or role == CourseInstructorRole.CO_INSTRUCTOR
    if teaches and has_permission(actor, Permission.ANALYTICS_VIEW_COURSE):
        return
    if course.status == CourseStatus.PUBLISHED or role is not None:
        raise Forbidden("Only the course's instructors or admins may read its reports")
    raise NotFound("Course")


async def request_course_report(
    session: AsyncSession,
    storage: Storage,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    period: DayRange,
    limits: ReportLimits,
) -> AnalyticsReport:
    period.check(limits.max_days)
    await _require_course_analyst(session, actor, course_id)
    report = AnalyticsReport(
        kind=ReportKind.COURSE,
        course_id=course_id,
        requested_by_id=actor.id,
        start_day=period.start,
        end_day=period.end,
    )
    return await _start(session, storage, report, period, limits)


async def request_platform_report(
    session: AsyncSession, storage: Storage, *, actor: Actor, period: DayRange, limits: ReportLimits
) -> AnalyticsReport:
    if not _is_admin(actor):
        raise Forbidden("Only admins can request platform reports")
    period.check(limits.max_days)
    report = AnalyticsReport(
        kind=ReportKind.PLATFORM,
        requested_by_id=actor.id,
        start_day=period.start,
        end_day=period.end,
    )
    return await _start(session, storage, report, period, limits)


async def _start(
    session: AsyncSession,
    storage: Storage,
    report: AnalyticsReport,
    period: DayRange,
    limits: ReportLimits,
) -> AnalyticsReport:
    session.add(report)
    await session.flush()
    if period.days <= limits.inline_days:
        await build(session, storage, report)
    else:
        await emit(session, BUILD_REPORT, {"report_id": str(report.id)})
    return report


def storage_key(report_id: uuid.UUID) -> str:
    return f"reports/analytics/{report_id}.csv"


async def build(session: AsyncSession, storage: Storage, report: AnalyticsReport) -> None:
    """Write the report's CSV and mark it ready (in the caller's transaction)."""
    period = DayRange(report.start_day, report.end_day)
    if report.kind == ReportKind.COURSE:
        assert report.course_id is not None
        data = await course_report_csv(session, report.course_id, period)
    else:
        data = await platform_report_csv(session, period)
    key = storage_key(report.id)
    await storage.put(key, data, "text/csv")
    report.storage_key = key
    report.status = ReportStatus.READY
    report.completed_at = utcnow()


async def build_pending_report(db: Database, storage: Storage, report_id: uuid.UUID) -> bool:
    """The worker's job: build the report if it is still pending; whether it built it. A
    failure marks the report failed with the reason (the requester sees it)."""
    async with db.transaction() as session:
        report = await session.scalar(
            select(AnalyticsReport).where(AnalyticsReport.id == report_id).with_for_update()
        )
        if report is None or report.status != ReportStatus.PENDING:
            return False
        try:
            async with session.begin_nested():
                await build(session, storage, report)
        except Exception as exc:
            log.exception("analytics.report_failed", report_id=str(report_id))
            report.status = ReportStatus.FAILED
            report.error = f"{type(exc).__name__}: {exc}"[:500]
            report.completed_at = utcnow()
        return True


async def get_report(
    session: AsyncSession, *, actor: Actor, report_id: uuid.UUID
) -> AnalyticsReport:
    report = await session.get(AnalyticsReport, report_id)
    if report is None or (report.requested_by_id != actor.id and not _is_admin(actor)):
        raise NotFound("Report")
    return report


def download(storage: Storage, report: AnalyticsReport, *, expires_in: int) -> Download | None:
    if report.status != ReportStatus.READY or report.storage_key is None:
        return None
    name = f"{report.kind.value}-report-{report.start_day}-{report.end_day}.csv"
    return signed_download(storage, report.storage_key, expires_in=expires_in, filename=name)
