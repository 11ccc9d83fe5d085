"""Root field of the grading queue: a course's work waiting for a grade, for its teachers."""

from __future__ import annotations

import strawberry

from app.assessments import grading_queue
from app.pagination import PageRequest
from schema.assessments.grading_queue import GradingQueueItem
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.relay import Connection, node_uuid, selects_total_count


@strawberry.type
class Query:
    @strawberry.field(
        description="Quiz attempts pending review, assignment submissions and exam attempts "
        "waiting for a grade in a course you teach (admins: any course), oldest hand-in first. "
        "FORBIDDEN for a published course you do not teach, NOT_FOUND for one you may not see."
    )
    async def grading_queue(
        self,
        info: Info,
        course_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[GradingQueueItem]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await grading_queue.grading_queue(
                session,
                actor=actor,
                course_id=node_uuid(course_id, "Course"),
                request=request,
                with_total=selects_total_count(info),
            )
        return Connection[GradingQueueItem].from_page(page, lambda w: GradingQueueItem(work=w))
