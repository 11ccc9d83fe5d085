"""The course review queue (admins): courses waiting in PENDING_REVIEW."""

from __future__ import annotations

import strawberry

from app.catalog import reads
from app.pagination import PageRequest
from schema.catalog.types import Course
from schema.core.admin_only import admin_field
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.relay import Connection, selects_total_count


@strawberry.type
class Query:
    @admin_field(
        description="Admins: the courses submitted for review, oldest submission first "
        "(approve with publishCourse, send back with rejectCourse)."
    )
    async def courses_pending_review(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Course]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await reads.courses_pending_review(
                session, actor=actor, request=request, with_total=selects_total_count(info)
            )
        info.context.loaders.catalog.prime_courses(page.items)
        return Connection[Course].from_page(page, Course.from_model)
