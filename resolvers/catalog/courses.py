"""Courses: one course, the course list, your own courses; authoring, review and pricing.

Students and anonymous callers see published courses only; a course they may not see is null
with NOT_FOUND, never FORBIDDEN. The list is validated (filter and page arguments) before any
SQL runs; its `totalCount` is counted only when selected.
"""

from __future__ import annotations

import strawberry

from app.catalog import reads, service
from app.catalog.models import Course as CourseRow
from app.pagination import Page, PageRequest
from resolvers.catalog.changes import catalog_changed
from schema.catalog.enums import CourseSort, CourseStatus
from schema.catalog.inputs import (
    ArchiveCourseInput,
    CourseFilter,
    CreateCourseInput,
    DeleteCourseInput,
    PublishCourseInput,
    RejectCourseInput,
    SetCoursePricingInput,
    SubmitCourseForReviewInput,
    UpdateCourseInput,
)
from schema.catalog.payloads import (
    ArchiveCoursePayload,
    CreateCoursePayload,
    DeleteCoursePayload,
    PublishCoursePayload,
    RejectCoursePayload,
    SetCoursePricingPayload,
    SubmitCourseForReviewPayload,
    UpdateCoursePayload,
)
from schema.catalog.types import Course
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import BadUserInput, Connection, selects_total_count

CHANGES = [catalog_changed]


def _connection(info: Info, page: Page[CourseRow]) -> Connection[Course]:
    info.context.loaders.catalog.prime_courses(page.items)
    return Connection[Course].from_page(page, Course.from_model)


@strawberry.type
class Query:
    @strawberry.field(
        description="A course by id or by slug (exactly one); null with a NOT_FOUND error when "
        "it does not exist or you may not see it."
    )
    async def course(
        self, info: Info, id: strawberry.ID | None = None, slug: str | None = None
    ) -> Course | None:
        if id is not None and slug is None:
            return await Course.lookup(info, id)
        if slug is not None and id is None:
            return await Course.lookup_slug(info, slug)
        raise BadUserInput("Pass exactly one of `id` and `slug`")

    @strawberry.field(description="Published courses, filtered and sorted, a page at a time.")
    async def courses(
        self,
        info: Info,
        filter: CourseFilter | None = None,
        sort: CourseSort = CourseSort.POPULARITY,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Course]:
        args = filter.to_args() if filter is not None else None
        request = PageRequest.create(first=first, after=after, last=last, before=before)
        async with info.context.db.session() as session:
            page = await reads.list_courses(
                session,
                filter_args=args,
                sort=sort.value,
                request=request,
                with_total=selects_total_count(info),
            )
        return _connection(info, page)

    @strawberry.field(description="Your own courses, drafts included, most recent first.")
    async def my_courses(
        self,
        info: Info,
        status: CourseStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Course]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await reads.my_courses(
                session,
                actor=actor,
                status=status,
                request=request,
                with_total=selects_total_count(info),
            )
        return _connection(info, page)


@strawberry.type
class Mutation:
    @mutation(
        description="A draft course owned by you (instructors and admins).", after_commit=CHANGES
    )
    async def create_course(
        self, info: Info, input: CreateCourseInput, tx: Tx
    ) -> CreateCoursePayload:
        row = await service.create_course(tx.session, actor=tx.actor, **input.arguments())
        return CreateCoursePayload(course=Course.from_model(row))

    @mutation(description="The owner or an admin changes a course.", after_commit=CHANGES)
    async def update_course(
        self, info: Info, input: UpdateCourseInput, tx: Tx
    ) -> UpdateCoursePayload:
        row = await service.update_course(tx.session, actor=tx.actor, **input.arguments())
        return UpdateCoursePayload(course=Course.from_model(row))

    @mutation(
        description="Deletes a never-published course with everything beneath it (admins: any).",
        after_commit=CHANGES,
    )
    async def delete_course(
        self, info: Info, input: DeleteCourseInput, tx: Tx
    ) -> DeleteCoursePayload:
        await service.delete_course(tx.session, actor=tx.actor, **input.arguments())
        return DeleteCoursePayload(deleted_course_id=input.course_id)

    @mutation(
        description="DRAFT → PENDING_REVIEW; reports every rule the course breaks for publication.",
        after_commit=CHANGES,
    )
    async def submit_course_for_review(
        self, info: Info, input: SubmitCourseForReviewInput, tx: Tx
    ) -> SubmitCourseForReviewPayload:
        row = await service.submit_course_for_review(
            tx.session, actor=tx.actor, **input.arguments()
        )
        return SubmitCourseForReviewPayload(course=Course.from_model(row))

    @mutation(
        description="Admins: PENDING_REVIEW → PUBLISHED after re-checking it.",
        after_commit=CHANGES,
        privileged=True,
    )
    async def publish_course(
        self, info: Info, input: PublishCourseInput, tx: Tx
    ) -> PublishCoursePayload:
        row = await service.publish_course(tx.session, actor=tx.actor, **input.arguments())
        return PublishCoursePayload(course=Course.from_model(row))

    @mutation(
        description="Admins: PENDING_REVIEW → DRAFT with notes for the author.",
        after_commit=CHANGES,
        privileged=True,
    )
    async def reject_course(
        self, info: Info, input: RejectCourseInput, tx: Tx
    ) -> RejectCoursePayload:
        row = await service.reject_course(tx.session, actor=tx.actor, **input.arguments())
        return RejectCoursePayload(course=Course.from_model(row))

    @mutation(
        description="PUBLISHED → ARCHIVED: unlisted, enrolled students keep it.",
        after_commit=CHANGES,
    )
    async def archive_course(
        self, info: Info, input: ArchiveCourseInput, tx: Tx
    ) -> ArchiveCoursePayload:
        row = await service.archive_course(tx.session, actor=tx.actor, **input.arguments())
        return ArchiveCoursePayload(course=Course.from_model(row))

    @mutation(
        description="Replaces the course's pricing: free, or one to three tiers.",
        after_commit=CHANGES,
    )
    async def set_course_pricing(
        self, info: Info, input: SetCoursePricingInput, tx: Tx
    ) -> SetCoursePricingPayload:
        row = await service.set_course_pricing(tx.session, actor=tx.actor, **input.arguments())
        return SetCoursePricingPayload(course=Course.from_model(row))
