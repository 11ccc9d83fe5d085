"""Root fields of enrollment and progress: read the caller, call one service, map the result."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

import strawberry

from app.errors import DomainError, NotFound
from app.learning import enrollments, progress, repo, service
from app.learning.models import EnrollmentStatus
from app.learning.models import LessonProgress as ProgressModel
from app.pagination import PageRequest
from schema.core.auth import require_actor, require_user
from schema.core.context import Info
from schema.core.mutation import graphql_error, run_mutation
from schema.core.relay import Connection, node_uuid, selects_total_count
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
    may_view,
)

T = TypeVar("T")


async def _or_graphql_error(action: Awaitable[T]) -> T:
    try:
        return await action
    except DomainError as exc:
        raise graphql_error(exc) from exc


async def _progress_payload(info: Info, row: ProgressModel) -> dict[str, Any]:
    loaders = info.context.loaders
    lesson = await loaders.catalog.lessons.load(row.lesson_id)
    enrollment = await loaders.learning.enrollments.load(row.enrollment_id)
    if lesson is None or enrollment is None:  # deleted right after the change
        raise NotFound("Lesson")
    course = await loaders.catalog.courses.load(lesson.course_id)
    if course is None:
        raise NotFound("Course")
    return {
        "lesson_progress": LessonProgress.from_model(row, lesson, course),
        "enrollment": Enrollment.from_model(enrollment),
    }


async def _enroll(info: Info, input: EnrollInCourseInput) -> dict[str, Any]:
    user = await require_user(info)
    async with info.context.db.transaction() as session:
        row = await service.enroll_in_free_course(
            session, student_id=user.id, course_id=node_uuid(input.course_id, "Course")
        )
    return {"enrollment": Enrollment.from_model(row)}


async def _withdraw(info: Info, input: WithdrawEnrollmentInput) -> dict[str, Any]:
    user = await require_user(info)
    async with info.context.db.transaction() as session:
        row = await service.withdraw_enrollment(
            session,
            student_id=user.id,
            enrollment_id=node_uuid(input.enrollment_id, "Enrollment"),
            reason=input.reason,
        )
    return {"enrollment": Enrollment.from_model(row)}


async def _update(info: Info, input: UpdateLessonProgressInput) -> dict[str, Any]:
    user = await require_user(info)
    async with info.context.db.transaction() as session:
        row = await progress.update_lesson_progress(
            session,
            student_id=user.id,
            enrollment_id=node_uuid(input.enrollment_id, "Enrollment"),
            lesson_id=node_uuid(input.lesson_id, "Lesson"),
            watch_time_seconds=input.watch_time_seconds,
            position_seconds=input.position_seconds,
            completed=input.completed,
        )
    return await _progress_payload(info, row)


async def _complete(info: Info, input: CompleteLessonInput) -> dict[str, Any]:
    user = await require_user(info)
    async with info.context.db.transaction() as session:
        row = await progress.complete_lesson(
            session,
            student_id=user.id,
            enrollment_id=node_uuid(input.enrollment_id, "Enrollment"),
            lesson_id=node_uuid(input.lesson_id, "Lesson"),
        )
    return await _progress_payload(info, row)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Join a free published course (paid courses are bought: COURSE_NOT_FREE; "
        "COURSE_FULL, ALREADY_ENROLLED). Re-enrolling after withdrawing reactivates the "
        "enrollment with its progress."
    )
    async def enroll_in_course(
        self, info: Info, input: EnrollInCourseInput
    ) -> EnrollInCoursePayload:
        return await run_mutation(EnrollInCoursePayload, _enroll(info, input))

    @strawberry.mutation(description="Leave an active enrollment (DROPPED; progress is kept).")
    async def withdraw_enrollment(
        self, info: Info, input: WithdrawEnrollmentInput
    ) -> WithdrawEnrollmentPayload:
        return await run_mutation(WithdrawEnrollmentPayload, _withdraw(info, input))

    @strawberry.mutation(
        description="Record watch time (never decreases), the resume position and, optionally, "
        "completion of a lesson of your enrollment (PREREQUISITE_NOT_MET, ASSESSMENT_REQUIRED)."
    )
    async def update_lesson_progress(
        self, info: Info, input: UpdateLessonProgressInput
    ) -> UpdateLessonProgressPayload:
        return await run_mutation(UpdateLessonProgressPayload, _update(info, input))

    @strawberry.mutation(
        description="Complete a video or text lesson (quiz and assignment lessons complete by "
        "passing their assessment)."
    )
    async def complete_lesson(
        self, info: Info, input: CompleteLessonInput
    ) -> CompleteLessonPayload:
        return await run_mutation(CompleteLessonPayload, _complete(info, input))


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
            page = await repo.list_student_enrollments(
                session,
                student_id=user.id,
                status=status,
                request=request,
                with_total=selects_total_count(info),
            )
        for row in page.items:
            info.context.loaders.learning.enrollments.prime(row.id, row)
        return Connection[Enrollment].from_page(page, Enrollment.from_model)

    @strawberry.field(
        description="An enrollment: its student's, its course's teachers' and admins' only."
    )
    async def enrollment(self, info: Info, id: strawberry.ID) -> Enrollment:
        await require_user(info)
        found = await info.context.loaders.learning.enrollments.load(node_uuid(id, "Enrollment"))
        if not await may_view(info, found):
            raise graphql_error(NotFound("Enrollment"))
        assert found is not None
        return Enrollment.from_model(found)

    @strawberry.field(description="Where the enrollment's student stands in the course.")
    async def enrollment_progress(
        self, info: Info, enrollment_id: strawberry.ID
    ) -> EnrollmentProgress:
        actor = await require_actor(info)
        async with info.context.db.session() as session:
            summary = await _or_graphql_error(
                enrollments.progress_summary(
                    session, actor=actor, enrollment_id=node_uuid(enrollment_id, "Enrollment")
                )
            )
        course = await info.context.loaders.catalog.courses.load(summary.enrollment.course_id)
        if course is None:
            raise graphql_error(NotFound("Course"))
        return EnrollmentProgress.from_summary(summary, course)
