"""GraphQL types of enrollments and progress, with the inputs and payloads of their mutations.

An enrollment is visible to its student, the course's teachers and admins; to anyone else it does
not exist. `lessonProgress` lists every lesson of the course in reading order — lessons that have
no progress row yet (added after enrolling) show as NOT_STARTED.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from app.catalog import models as catalog
from app.learning import models
from app.learning.certificates import may_read as may_read_certificate
from app.learning.enrollments import ProgressSummary, StruggleReason, StrugglingLesson
from app.security.permissions import Permission, has_permission
from schema.accounts import User
from schema.catalog.access import teaches_course, viewer_of
from schema.catalog.types import Course, Lesson, PricingTierName
from schema.core.context import Info
from schema.core.mutation import UserError
from schema.core.relay import NOWHERE, decode_uuid
from schema.learning.certificates import Certificate

strawberry.enum(
    models.EnrollmentStatus, name="EnrollmentStatus", description="Where an enrollment stands."
)
strawberry.enum(
    models.EnrollmentSource, name="EnrollmentSource", description="How the student got in."
)
strawberry.enum(
    models.ProgressStatus,
    name="LessonProgressStatus",
    description="A lesson's state for a student.",
)
strawberry.enum(StruggleReason, name="StruggleReason", description="Why a lesson needs attention.")
EnrollmentStatus = models.EnrollmentStatus


async def _course_model(info: Info, course_id: uuid.UUID) -> catalog.Course:
    found = await info.context.loaders.catalog.courses.load(course_id)
    assert found is not None  # an enrollment never outlives its course (cascade)
    return found


@strawberry.type(description="A student's record of one lesson.")
class LessonProgress:
    status: models.ProgressStatus
    watch_time_seconds: int = strawberry.field(description="Never decreases.")
    position_seconds: int = strawberry.field(description="Where to resume.")
    quiz_score: float | None = strawberry.field(description="Best assessment score, in percent.")
    attempts_count: int
    completed_at: datetime | None
    last_accessed_at: datetime | None
    lesson_model: strawberry.Private[catalog.Lesson]
    course_model: strawberry.Private[catalog.Course]

    @classmethod
    def from_model(
        cls,
        row: models.LessonProgress | None,
        lesson: catalog.Lesson,
        course: catalog.Course,
    ) -> LessonProgress:
        if row is None:  # a lesson added after enrolling, not touched yet
            return cls(
                status=models.ProgressStatus.NOT_STARTED,
                watch_time_seconds=0,
                position_seconds=0,
                quiz_score=None,
                attempts_count=0,
                completed_at=None,
                last_accessed_at=None,
                lesson_model=lesson,
                course_model=course,
            )
        return cls(
            status=models.ProgressStatus(row.status),
            watch_time_seconds=row.watch_time_seconds,
            position_seconds=row.last_position_seconds,
            quiz_score=float(row.quiz_score) if row.quiz_score is not None else None,
            attempts_count=row.attempts_count,
            completed_at=row.completed_at,
            last_accessed_at=row.last_accessed_at,
            lesson_model=lesson,
            course_model=course,
        )

    @strawberry.field
    def lesson(self) -> Lesson:
        return Lesson.from_model(self.lesson_model, self.course_model)


@strawberry.type(description="A student's place in a course.")
class Enrollment(relay.Node):
    id: relay.NodeID[str]
    status: models.EnrollmentStatus
    source: models.EnrollmentSource
    pricing_tier: PricingTierName
    enrolled_at: datetime
    completed_at: datetime | None
    withdrawn_at: datetime | None
    progress_percentage: float = strawberry.field(
        description="completed / total lessons * 100, updated on every completion."
    )
    last_accessed_at: datetime | None
    final_exam_passed_at: datetime | None
    model: strawberry.Private[models.Enrollment]

    @classmethod
    def from_model(cls, row: models.Enrollment) -> Enrollment:
        return cls(
            id=str(row.id),
            status=models.EnrollmentStatus(row.status),
            source=models.EnrollmentSource(row.source),
            pricing_tier=catalog.PricingTier(row.pricing_tier),
            enrolled_at=row.enrolled_at,
            completed_at=row.completed_at,
            withdrawn_at=row.withdrawn_at,
            progress_percentage=float(row.progress_percentage),
            last_accessed_at=row.last_accessed_at,
            final_exam_passed_at=row.final_exam_passed_at,
            model=row,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Enrollment | None]:
        ids = [decode_uuid(i) or NOWHERE for i in node_ids]
        found = await info.context.loaders.learning.enrollments.load_many(ids)
        allowed = await asyncio.gather(*(may_view(info, e) for e in found))
        return [
            cls.from_model(e) if e is not None and ok else None
            for e, ok in zip(found, allowed, strict=True)
        ]

    @strawberry.field
    async def course(self, info: Info) -> Course:
        return Course.from_model(await _course_model(info, self.model.course_id))

    @strawberry.field(description="The certificate this enrollment earned (its holder and admins).")
    async def certificate(self, info: Info) -> Certificate | None:
        row = await info.context.loaders.learning.certificates.load(self.model.id)
        if row is None or not may_read_certificate(await viewer_of(info), row):
            return None
        return Certificate.from_model(row)

    @strawberry.field
    async def student(self, info: Info) -> User:
        found = await info.context.loaders.accounts.users.load(self.model.student_id)
        assert found is not None  # an enrollment never outlives its student (cascade)
        return User.from_model(found)

    @strawberry.field(description="The lesson touched last.")
    async def last_lesson(self, info: Info) -> Lesson | None:
        if self.model.last_lesson_id is None:
            return None
        lesson = await info.context.loaders.catalog.lessons.load(self.model.last_lesson_id)
        if lesson is None:
            return None
        return Lesson.from_model(lesson, await _course_model(info, self.model.course_id))

    @strawberry.field(description="Every lesson of the course in reading order.")
    async def lesson_progress(self, info: Info) -> list[LessonProgress]:
        loaders = info.context.loaders
        lessons, rows, course = await asyncio.gather(
            loaders.learning.course_lessons.load(self.model.course_id),
            loaders.learning.progress.load(self.model.id),
            _course_model(info, self.model.course_id),
        )
        by_lesson = {r.lesson_id: r for r in rows}
        return [LessonProgress.from_model(by_lesson.get(x.id), x, course) for x in lessons]


async def may_view(info: Info, enrollment: models.Enrollment | None) -> bool:
    """The student, admins and the course's teachers."""
    if enrollment is None:
        return False
    viewer = await viewer_of(info)
    if viewer is None:
        return False
    if enrollment.student_id == viewer.id or has_permission(viewer, Permission.COURSES_MANAGE):
        return True
    return await teaches_course(info, await _course_model(info, enrollment.course_id))


@strawberry.type(description="A lesson that needs attention.")
class StrugglingArea:
    reason: StruggleReason
    quiz_score: float | None = strawberry.field(description="Best score, in percent.")
    passing_score: int = strawberry.field(description="The score needed, in percent.")
    attempts_count: int
    lesson_model: strawberry.Private[catalog.Lesson]
    course_model: strawberry.Private[catalog.Course]

    @classmethod
    def from_result(cls, item: StrugglingLesson, course: catalog.Course) -> StrugglingArea:
        score = item.quiz_score
        return cls(
            reason=item.reason,
            quiz_score=float(score) if score is not None else None,
            passing_score=item.passing_score,
            attempts_count=item.attempts_count,
            lesson_model=item.lesson,
            course_model=course,
        )

    @strawberry.field
    def lesson(self) -> Lesson:
        return Lesson.from_model(self.lesson_model, self.course_model)


@strawberry.type(description="Where a student stands in a course.")
class EnrollmentProgress:
    enrollment: Enrollment
    completed_lessons: int
    total_lessons: int
    percentage: float
    completed_modules: int
    total_modules: int
    next_recommended_lesson: Lesson | None = strawberry.field(
        description="The first lesson in course order not completed yet and open to you."
    )
    resume_lesson: Lesson | None = strawberry.field(
        description="The last lesson you touched, while not completed."
    )
    resume_position_seconds: int
    estimated_minutes_remaining: int = strawberry.field(
        description="The durations of the lessons not completed."
    )
    struggling_areas: list[StrugglingArea]

    @classmethod
    def from_summary(cls, s: ProgressSummary, course: catalog.Course) -> EnrollmentProgress:
        def lesson(x: catalog.Lesson | None) -> Lesson | None:
            return Lesson.from_model(x, course) if x is not None else None

        return cls(
            enrollment=Enrollment.from_model(s.enrollment),
            completed_lessons=s.completed_lessons,
            total_lessons=s.total_lessons,
            percentage=float(s.percentage),
            completed_modules=s.completed_modules,
            total_modules=s.total_modules,
            next_recommended_lesson=lesson(s.next_lesson),
            resume_lesson=lesson(s.resume_lesson),
            resume_position_seconds=s.resume_position_seconds,
            estimated_minutes_remaining=s.estimated_minutes_remaining,
            struggling_areas=[StrugglingArea.from_result(x, course) for x in s.struggling],
        )


# --- inputs and payloads ------------------------------------------------------------------------


@strawberry.input
class EnrollInCourseInput:
    course_id: strawberry.ID


@strawberry.type
class EnrollInCoursePayload:
    enrollment: Enrollment | None = None
    errors: list[UserError]


@strawberry.input
class WithdrawEnrollmentInput:
    enrollment_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class WithdrawEnrollmentPayload:
    enrollment: Enrollment | None = None
    errors: list[UserError]


@strawberry.input(description="Omitted numbers stay as they are.")
class UpdateLessonProgressInput:
    enrollment_id: strawberry.ID
    lesson_id: strawberry.ID
    watch_time_seconds: int | None = strawberry.field(
        default=None, description="Total seconds watched; a smaller value than stored is ignored."
    )
    position_seconds: int | None = strawberry.field(default=None, description="Resume point.")
    completed: bool = False


@strawberry.input
class CompleteLessonInput:
    enrollment_id: strawberry.ID
    lesson_id: strawberry.ID


@strawberry.type
class LessonProgressFields:
    lesson_progress: LessonProgress | None = None
    enrollment: Enrollment | None = None
    errors: list[UserError]


@strawberry.type
class UpdateLessonProgressPayload(LessonProgressFields):
    pass


@strawberry.type
class CompleteLessonPayload(LessonProgressFields):
    pass
