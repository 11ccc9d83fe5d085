"""Root fields of the moderation queue (admins: `moderation.manage`)."""

from __future__ import annotations

import strawberry

from app.admin import reports
from app.pagination import PageRequest
from schema.admin.moderation import (
    ContentReport,
    ModerationQueueFilter,
    ResolveReportInput,
    ResolveReportPayload,
)
from schema.core.admin_only import admin_field
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, selects_total_count


@strawberry.type
class Query:
    @admin_field(
        description="Reports of posts, messages and reviews, oldest first (open ones unless the "
        "filter says otherwise), each with how many reports its content has."
    )
    async def moderation_queue(
        self,
        info: Info,
        filter: ModerationQueueFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ContentReport]:
        actor = await require_actor(info)
        chosen = filter or ModerationQueueFilter()
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await reports.moderation_queue(
                session,
                actor=actor,
                status=chosen.status,
                target_type=chosen.target_type,
                request=request,
                with_total=selects_total_count(info),
            )
        return Connection[ContentReport].from_page(page, lambda row: ContentReport(row=row))


@strawberry.type
class Mutation:
    @mutation(
        description="Decide on a report: dismiss it, or hide or delete the content. Every open "
        "report of the same content is closed with it; a report already decided is CONFLICT.",
        privileged=True,
    )
    async def resolve_report(
        self, info: Info, input: ResolveReportInput, tx: Tx
    ) -> ResolveReportPayload:
        done = await reports.resolve_report(tx.session, actor=tx.actor, **input.arguments())
        return ResolveReportPayload(
            report=ContentReport(row=done.report), resolved_count=done.closed
        )
