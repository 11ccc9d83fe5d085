"""GraphQL types of the moderation queue: reports of posts, messages and reviews, and their
resolution."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from app.admin.models import ReportStatus
from app.admin.reports import ReportAction, ReportRow, ReportTarget
from schema.accounts.types import User
from schema.cms.reviews import Review
from schema.communication.discussions import DiscussionPost
from schema.communication.messaging import Message, ReportReason
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload

strawberry.enum(ReportStatus, name="ReportStatus", description="Where a report stands.")
strawberry.enum(ReportTarget, name="ReportTargetType", description="What kind of content.")
strawberry.enum(
    ReportAction,
    name="ReportAction",
    description="DISMISS leaves the content alone; HIDE_CONTENT and DELETE_CONTENT take it out of "
    "everyone's view (a post is soft-deleted, a message hidden from both participants, a "
    "review hidden from all but its author); the "
    "content stays stored for the record.",
)

ReportedContent = Annotated[
    DiscussionPost | Message | Review,
    strawberry.union("ReportedContent", description="The reported post, message or review."),
]


async def _user(info: Info, user_id: uuid.UUID | None) -> User | None:
    if user_id is None:
        return None
    row = await info.context.loaders.accounts.users.load(user_id)
    return None if row is None else User.from_model(row)


@strawberry.type(description="A user's report of a post or a message (moderators only).")
class ContentReport:
    row: strawberry.Private[ReportRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(relay.to_base64("ContentReport", str(self.row.report.id)))

    @strawberry.field
    def target_type(self) -> ReportTarget:
        return ReportTarget(self.row.report.target_type)

    @strawberry.field(
        description="The reported content, whoever may see it otherwise (admins see any "
        "message here); null when it no longer exists."
    )
    async def target(self, info: Info) -> ReportedContent | None:
        report = self.row.report
        if report.target_type == ReportTarget.DISCUSSION_POST:
            post = await info.context.loaders.discussions.posts.load(report.target_id)
            return None if post is None else DiscussionPost.from_model(post)
        if report.target_type == ReportTarget.COURSE_REVIEW:
            review = await info.context.loaders.reviews.reviews.load(report.target_id)
            return None if review is None else Review.from_model(review)
        message = await info.context.loaders.messaging.messages.load(report.target_id)
        return None if message is None else Message.from_model(message)

    @strawberry.field(description="Who reported it; null once their account is deleted.")
    async def reporter(self, info: Info) -> User | None:
        return await _user(info, self.row.report.reporter_id)

    @strawberry.field
    def reason(self) -> ReportReason:
        return ReportReason(self.row.report.reason)

    @strawberry.field(description="The reporter's words (plain text).")
    def details(self) -> str | None:
        return self.row.report.details

    @strawberry.field
    def status(self) -> ReportStatus:
        return ReportStatus(self.row.report.status)

    @strawberry.field(description="When it was filed.")
    def created_at(self) -> datetime:
        return self.row.report.created_at

    @strawberry.field(description="How many reports the same content has (this one included).")
    def target_report_count(self) -> int:
        return self.row.target_reports

    @strawberry.field(description="How many of them are still open.")
    def target_open_report_count(self) -> int:
        return self.row.target_open_reports

    @strawberry.field
    def resolved_at(self) -> datetime | None:
        return self.row.report.resolved_at

    @strawberry.field(description="The moderator who decided.")
    async def resolved_by(self, info: Info) -> User | None:
        return await _user(info, self.row.report.resolved_by_id)

    @strawberry.field
    def resolution_note(self) -> str | None:
        return self.row.report.resolution_note


@strawberry.input(description="Which reports to list; open ones of every kind by default.")
class ModerationQueueFilter:
    status: ReportStatus | None = strawberry.field(
        default=ReportStatus.OPEN, description="Null: every status."
    )
    target_type: ReportTarget | None = None


@strawberry.input(description="A decision on a report; it closes every open report of its target.")
class ResolveReportInput(Input):
    report_id: strawberry.ID = node_id("ContentReport", description="The report's `id`.")
    action: ReportAction
    note: str | None = strawberry.field(
        default=None, description="For the record: plain text, ≤ 2,000 characters."
    )


@strawberry.type
class ResolveReportPayload(Payload):
    report: ContentReport | None = None
    resolved_count: int = strawberry.field(
        default=0, description="How many open reports of the same content this closed."
    )
