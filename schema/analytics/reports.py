"""GraphQL types of the analytics CSV reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

import strawberry

from app.analytics.downloads import Download
from app.analytics.rollup_models import AnalyticsReport as ReportRow
from app.analytics.rollup_models import ReportKind, ReportStatus
from schema.analytics.dashboards import AnalyticsRange
from schema.assessments.assignments import gid
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload

AnalyticsReportKind = strawberry.enum(
    ReportKind, name="AnalyticsReportKind", description="What a report covers."
)
AnalyticsReportStatus = strawberry.enum(
    ReportStatus,
    name="AnalyticsReportStatus",
    description="PENDING while a worker builds it, then READY (downloadable) or FAILED.",
)


@strawberry.type(description="A CSV report over a date range.")
class AnalyticsReport:
    id: strawberry.ID
    kind: ReportKind
    status: ReportStatus
    course_id: strawberry.ID | None
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    created_at: datetime
    completed_at: datetime | None
    error: str | None = strawberry.field(description="Why it FAILED.")
    download_url: str | None = strawberry.field(
        description="READY only: a signed URL of the CSV file that expires at downloadExpiresAt."
    )
    download_expires_at: datetime | None

    @classmethod
    def of(cls, row: ReportRow, download: Download | None) -> Self:
        return cls(
            id=gid("AnalyticsReport", row.id),
            kind=row.kind,
            status=row.status,
            course_id=gid("Course", row.course_id) if row.course_id else None,
            start=row.start_day,
            end=row.end_day,
            created_at=row.created_at,
            completed_at=row.completed_at,
            error=row.error,
            download_url=download.url if download else None,
            download_expires_at=download.expires_at if download else None,
        )


@strawberry.input
class RequestCourseReportInput(Input):
    course_id: strawberry.ID = node_id("Course")
    range: AnalyticsRange


@strawberry.input
class RequestPlatformReportInput(Input):
    range: AnalyticsRange


@strawberry.type
class AnalyticsReportPayload(Payload):
    report: AnalyticsReport | None = None
