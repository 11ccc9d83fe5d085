"""Enrollment and progress root fields: read the caller, call one service, map the result."""

from __future__ import annotations

import strawberry

from app.learning import service
from app.learning.models import EnrollmentStatus
from app.pagination import PageRequest
from resolvers.catalog.changes import catalog_changed
from schema.core.auth import require_user
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, selects_total_count
from schema.learning.types import (
    CompleteLessonInput,
    CompleteLessonPayload,
    EnrollInCourseInput,
    EnrollInCoursePayload,
    Enrollment,
    EnrollmentProgress,
    LessonProgress,
    UpdateLessonProgressInput,
    UpdateLessonProgressPayload,
    WithdrawEnrollmentInput,
    WithdrawEnrollmentPayload,
)


@strawberry.type
class Mutation:
    @mutation(
        description="Join a free published course, or any published course with an active "
        "subscription (else COURSE_NOT_FREE: buy it; COURSE_FULL, ALREADY_ENROLLED, "
        "COURSE_NOT_PUBLISHED). Re-enrolling after withdrawing reactivates the enrollment with "
        "its progress.",
        after_commit=[catalog_changed],  # the course's enrollment count changed
    )
    async def enroll_in_course(
        self, info: Info, input: EnrollInCourseInput, tx: Tx
    ) -> EnrollInCoursePayload:
        row = await service.enroll_in_free_course(
            tx.session, student_id=tx.actor.id, **input.arguments()
        )
        return EnrollInCoursePayload(enrollment=Enrollment.from_model(row))

    @mutation(
        description="Leave an active enrollment (DROPPED; progress is kept; NOT_ACTIVE).",
        after_commit=[catalog_changed],
    )
    async def withdraw_enrollment(
        self, info: Info, input: WithdrawEnrollmentInput, tx: Tx
    ) -> WithdrawEnrollmentPayload:
        row = await service.withdraw_enrollment(
            tx.session, student_id=tx.actor.id, **input.arguments()
        )
        return WithdrawEnrollmentPayload(enrollment=Enrollment.from_model(row))

    @mutation(
        description="Record watch time (never decreases), the resume position and, optionally, "
        "completion of a lesson of a course you are enrolled in (NOT_ENROLLED, NOT_ACTIVE, "
        "PREREQUISITE_NOT_MET, ASSESSMENT_REQUIRED)."
    )
    async def update_lesson_progress(
        self, info: Info, input: UpdateLessonProgressInput, tx: Tx
    ) -> UpdateLessonProgressPayload:
        row = await service.update_lesson_progress(
            tx.session, student_id=tx.actor.id, **input.arguments()
        )
        return UpdateLessonProgressPayload(lesson_progress=LessonProgress.from_model(row))

    @mutation(
        description="Complete a video or text lesson of a course you are enrolled in (quiz and "
        "assignment lessons complete by passing their assessment: ASSESSMENT_REQUIRED; "
        "NOT_ENROLLED, NOT_ACTIVE, PREREQUISITE_NOT_MET). Completing it again changes nothing."
    )
    async def complete_lesson(
        self, info: Info, input: CompleteLessonInput, tx: Tx
    ) -> CompleteLessonPayload:
        row = await service.complete_lesson(tx.session, student_id=tx.actor.id, **input.arguments())
        return CompleteLessonPayload(lesson_progress=LessonProgress.from_model(row))


@strawberry.type
class Query:
    @strawberry.field(description="Your enrollments, most recently enrolled first.")
    async def my_enrollments(
        self,
        info: Info,
        status: EnrollmentStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Enrollment]:
        user = await require_user(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.list_enrollments(
                session,
                student_id=user.id,
                status=status,
                request=request,
                with_total=selects_total_count(info),
            )
        info.context.loaders.learning.prime_enrollments(page.items)
        return Connection[Enrollment].from_page(page, Enrollment.from_model)

    @strawberry.field(
        description="An enrollment: its student's, its course's teachers' and admins' only; "
        "null (with NOT_FOUND) for anyone else."
    )
    async def enrollment(self, info: Info, id: strawberry.ID) -> Enrollment | None:
        await require_user(info)
        return await Enrollment.lookup(info, id)

    @strawberry.field(
        description="Where the enrollment's student stands in the course; null (with NOT_FOUND) "
        "for anyone but the student, the course's teachers and admins."
    )
    async def enrollment_progress(
        self, info: Info, enrollment_id: strawberry.ID
    ) -> EnrollmentProgress | None:
        await require_user(info)
        return await EnrollmentProgress.of(info, await Enrollment.lookup(info, enrollment_id))
