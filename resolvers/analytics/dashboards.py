"""Root fields of the dashboards and the analytics reports."""

from __future__ import annotations

import strawberry

from app.analytics import dashboards, reports, student_dashboard
from app.analytics.rollup_models import AnalyticsReport as ReportRow
from schema.analytics.dashboards import (
    AdminDashboard,
    AnalyticsRange,
    InstructorDashboard,
    StudentDashboard,
)
from schema.analytics.reports import (
    AnalyticsReport,
    AnalyticsReportPayload,
    RequestCourseReportInput,
    RequestPlatformReportInput,
)
from schema.core.admin_only import admin_field
from schema.core.auth import require_actor
from schema.core.context import Context, Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import node_uuid


def _limits(ctx: Context) -> reports.ReportLimits:
    s = ctx.settings
    return reports.ReportLimits(s.analytics_max_range_days, s.analytics_report_inline_days)


def _report(ctx: Context, row: ReportRow) -> AnalyticsReport:
    ttl = ctx.settings.analytics_report_url_ttl_seconds
    return AnalyticsReport.of(row, reports.download(ctx.storage, row, expires_in=ttl))


@strawberry.type
class Query:
    @strawberry.field(
        description="Your learning: courses in progress, time learned per week (the last "
        "`weeks`, 1-52), streaks, upcoming deadlines, recent grades, certificates, achievements."
    )
    async def student_dashboard(self, info: Info, weeks: int = 8) -> StudentDashboard | None:
        actor = await require_actor(info)
        board = await student_dashboard.student_dashboard(info.context.db, actor=actor, weeks=weeks)
        return StudentDashboard.of(board)

    @strawberry.field(
        description="The courses you teach (own and co-instructed) within the range: "
        "enrollments, active learners, completion, quiz scores, revenue, rating, grading queue "
        "and a lesson funnel per course. Admins may pass `instructorId`."
    )
    async def instructor_dashboard(
        self, info: Info, range: AnalyticsRange, instructor_id: strawberry.ID | None = None
    ) -> InstructorDashboard | None:
        actor = await require_actor(info)
        ctx = info.context
        board = await dashboards.instructor_dashboard(
            ctx.db,
            ctx.redis,
            actor=actor,
            period=range.period(),
            instructor_id=node_uuid(instructor_id, "User") if instructor_id else None,
            max_days=ctx.settings.analytics_max_range_days,
            ttl_seconds=ctx.settings.analytics_cache_ttl_seconds,
        )
        return InstructorDashboard.of(board)

    @admin_field(
        description="Admins: signups, daily/monthly active users, revenue, refunds, top "
        "courses and instructors, search terms without results, within the range."
    )
    async def admin_dashboard(self, info: Info, range: AnalyticsRange) -> AdminDashboard | None:
        actor = await require_actor(info)
        ctx = info.context
        board = await dashboards.admin_dashboard(
            ctx.db,
            ctx.redis,
            actor=actor,
            period=range.period(),
            max_days=ctx.settings.analytics_max_range_days,
            ttl_seconds=ctx.settings.analytics_cache_ttl_seconds,
        )
        return AdminDashboard.of(board)

    @strawberry.field(description="A report you requested (admins: any); null otherwise.")
    async def analytics_report(self, info: Info, id: strawberry.ID) -> AnalyticsReport | None:
        actor = await require_actor(info)
        async with info.context.db.session() as session:
            row = await reports.get_report(
                session, actor=actor, report_id=node_uuid(id, "AnalyticsReport")
            )
        return _report(info.context, row)


@strawberry.type
class Mutation:
    @mutation(
        description="A CSV report of a course you teach (admins: any): enrollment trend, "
        "completion rates, performance by module, lesson funnel. Short ranges are READY at "
        "once; longer ones are built by a worker (poll `analyticsReport`)."
    )
    async def request_course_report(
        self, info: Info, input: RequestCourseReportInput, tx: Tx
    ) -> AnalyticsReportPayload:
        args = input.arguments()
        row = await reports.request_course_report(
            tx.session,
            info.context.storage,
            actor=tx.actor,
            course_id=args["course_id"],
            period=args["range"],
            limits=_limits(info.context),
        )
        return AnalyticsReportPayload(report=_report(info.context, row))

    @mutation(description="Admins: a CSV report of the platform within the range.", privileged=True)
    async def request_platform_report(
        self, info: Info, input: RequestPlatformReportInput, tx: Tx
    ) -> AnalyticsReportPayload:
        row = await reports.request_platform_report(
            tx.session,
            info.context.storage,
            actor=tx.actor,
            period=input.arguments()["range"],
            limits=_limits(info.context),
        )
        return AnalyticsReportPayload(report=_report(info.context, row))
