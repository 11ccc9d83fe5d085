"""GraphQL types of enrollments and progress, with the inputs and payloads of their mutations.

An enrollment is visible to its student, the course's teachers and admins; to anyone else it does
not exist. Every relation and every computed figure reads through the per-request loaders
(`app.learning.summary` computes from the rows they return), so a page of enrollments — or of
courses asking for `viewerEnrollment` — costs a fixed number of statements. `lessonProgress`
lists every lesson of the course in reading order — lessons that have no progress row yet (added
after enrolling) show as NOT_STARTED.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from app.catalog import models as catalog
from app.errors import NotFound
from app.learning import models
from app.learning.certificates import may_read as may_read_certificate
from app.learning.summary import ProgressSummary, Standing, StrugglingLesson, summarize
from app.security.permissions import Permission, has_permission
from schema.accounts.types import User
from schema.catalog.access import teaches_course
from schema.catalog.types import Course, Lesson, PricingTierName
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload
from schema.core.relay import ModelNode
from schema.learning.certificates import Certificate
from schema.learning.enums import EnrollmentSource, EnrollmentStatus, StruggleReason


async def _course_model(info: Info, course_id: uuid.UUID) -> catalog.Course:
    found = await info.context.loaders.catalog.courses.load(course_id)
    if found is None:  # an enrollment never outlives its course (cascade): deleted meanwhile
        raise NotFound("Course")
    return found


def _lesson(row: catalog.Lesson | None) -> Lesson | None:
    return None if row is None else Lesson.from_model(row)


async def _lessons_in_order(info: Info, course_id: uuid.UUID) -> list[catalog.Lesson]:
    """The course's lessons in reading order (module position, then lesson position)."""
    loaders = info.context.loaders.catalog
    modules = await loaders.course_modules.load(course_id)
    per_module = await loaders.module_lessons.load_many([m.id for m in modules])
    return [lesson for lessons in per_module for lesson in lessons]


async def _standing(info: Info, row: models.Enrollment) -> Standing:
    lessons, progress = await asyncio.gather(
        _lessons_in_order(info, row.course_id),
        info.context.loaders.learning.progress.load(row.id),
    )
    return Standing.of(row, lessons, progress)


async def _next_lesson(info: Info, standing: Standing) -> catalog.Lesson | None:
    enrollment = standing.enrollment
    modules, done = await asyncio.gather(
        info.context.loaders.catalog.course_modules.load(enrollment.course_id),
        info.context.loaders.learning.completed_modules.load(enrollment.id),
    )
    return standing.next_lesson(modules, done)


@strawberry.type(description="A student's record of one lesson.")
class LessonProgress:
    status: models.ProgressStatus
    watch_time_seconds: int = strawberry.field(description="Never decreases.")
    position_seconds: int = strawberry.field(description="Where to resume.")
    quiz_score: float | None = strawberry.field(description="Best assessment score, in percent.")
    attempts_count: int
    completed_at: datetime | None
    last_accessed_at: datetime | None
    lesson_id: strawberry.Private[uuid.UUID]
    enrollment_id: strawberry.Private[uuid.UUID]
    known_lesson: strawberry.Private[catalog.Lesson | None] = None

    @classmethod
    def from_model(
        cls, row: models.LessonProgress, lesson: catalog.Lesson | None = None
    ) -> LessonProgress:
        return cls(
            status=models.ProgressStatus(row.status),
            watch_time_seconds=row.watch_time_seconds,
            position_seconds=row.last_position_seconds,
            quiz_score=float(row.quiz_score) if row.quiz_score is not None else None,
            attempts_count=row.attempts_count,
            completed_at=row.completed_at,
            last_accessed_at=row.last_accessed_at,
            lesson_id=row.lesson_id,
            enrollment_id=row.enrollment_id,
            known_lesson=lesson,
        )

    @classmethod
    def not_started(cls, enrollment: models.Enrollment, lesson: catalog.Lesson) -> LessonProgress:
        """A lesson added after enrolling, not touched yet (it has no row)."""
        return cls(
            status=models.ProgressStatus.NOT_STARTED,
            watch_time_seconds=0,
            position_seconds=0,
            quiz_score=None,
            attempts_count=0,
            completed_at=None,
            last_accessed_at=None,
            lesson_id=lesson.id,
            enrollment_id=enrollment.id,
            known_lesson=lesson,
        )

    @strawberry.field
    async def lesson(self, info: Info) -> Lesson:
        found = self.known_lesson
        if found is None:
            found = await info.context.loaders.catalog.lessons.load(self.lesson_id)
        if found is None:  # deleted meanwhile (its progress rows go with it)
            raise NotFound("Lesson")
        return Lesson.from_model(found)


@strawberry.type(description="A student's place in a course.")
class Enrollment(ModelNode):
    id: relay.NodeID[str]
    status: EnrollmentStatus
    source: EnrollmentSource
    pricing_tier: PricingTierName
    enrolled_at: datetime
    completed_at: datetime | None
    withdrawn_at: datetime | None
    last_accessed_at: datetime | None
    final_exam_passed_at: datetime | None
    model: strawberry.Private[models.Enrollment]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.Enrollment | None]:
        return await info.context.loaders.learning.enrollments.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.Enrollment | None]
    ) -> Sequence[models.Enrollment | None]:
        allowed = await asyncio.gather(*(may_view(info, row) for row in rows))
        return [row if ok else None for row, ok in zip(rows, allowed, strict=True)]

    @classmethod
    def from_model(cls, row: models.Enrollment) -> Self:
        return cls(
            id=str(row.id),
            status=EnrollmentStatus(row.status),
            source=EnrollmentSource(row.source),
            pricing_tier=catalog.PricingTier(row.pricing_tier),
            enrolled_at=row.enrolled_at,
            completed_at=row.completed_at,
            withdrawn_at=row.withdrawn_at,
            last_accessed_at=row.last_accessed_at,
            final_exam_passed_at=row.final_exam_passed_at,
            model=row,
        )

    @classmethod
    async def by_id(cls, info: Info, enrollment_id: uuid.UUID) -> Enrollment | None:
        """The enrollment if the viewer may see it, else None."""
        return (await cls.resolve_nodes(info=info, node_ids=[str(enrollment_id)]))[0]

    @strawberry.field
    async def course(self, info: Info) -> Course:
        return Course.from_model(await _course_model(info, self.model.course_id))

    @strawberry.field(
        description="Completed / total lessons of the course * 100, rounded to 2 decimals; "
        "lessons added after enrolling count as not started."
    )
    async def progress_percentage(self, info: Info) -> float:
        return float((await _standing(info, self.model)).percentage)

    @strawberry.field(
        description="The first lesson in course order not completed yet and open to the "
        "student (its module's prerequisite is met); null when every lesson is done."
    )
    async def next_lesson(self, info: Info) -> Lesson | None:
        return _lesson(await _next_lesson(info, await _standing(info, self.model)))

    @strawberry.field(description="The certificate this enrollment earned (its holder and admins).")
    async def certificate(self, info: Info) -> Certificate | None:
        row = await info.context.loaders.learning.certificate_of.load(self.model.id)
        if row is None or not may_read_certificate(await viewer_of(info), row):
            return None
        return Certificate.from_model(row)

    @strawberry.field
    async def student(self, info: Info) -> User:
        found = await info.context.loaders.accounts.users.load(self.model.student_id)
        if found is None:  # an enrollment never outlives its student (cascade)
            raise NotFound("User")
        return User.from_model(found)

    @strawberry.field(description="The lesson touched last.")
    async def last_lesson(self, info: Info) -> Lesson | None:
        if self.model.last_lesson_id is None:
            return None
        lesson = await info.context.loaders.catalog.lessons.load(self.model.last_lesson_id)
        return _lesson(lesson)

    @strawberry.field(description="Every lesson of the course in reading order.")
    async def lesson_progress(self, info: Info) -> list[LessonProgress]:
        standing = await _standing(info, self.model)
        return [
            LessonProgress.from_model(row, x)
            if (row := standing.progress.get(x.id)) is not None
            else LessonProgress.not_started(self.model, x)
            for x in standing.lessons
        ]


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


async def viewer_enrollment(info: Info, course_id: uuid.UUID) -> Enrollment | None:
    """`Course.viewerEnrollment`: the signed-in viewer's enrollment in the course, in any status;
    None when anonymous or never enrolled. Batched over a page of courses."""
    viewer = await viewer_of(info)
    if viewer is None:
        return None
    loaders = info.context.loaders.learning
    row = await loaders.enrollment_of.load((viewer.id, course_id))
    if row is None:
        return None
    loaders.enrollments.prime(row.id, row)
    return Enrollment.from_model(row)


@strawberry.type(description="A lesson that needs attention.")
class StrugglingArea:
    reason: StruggleReason
    quiz_score: float | None = strawberry.field(description="Best score, in percent.")
    passing_score: int = strawberry.field(description="The score needed, in percent.")
    attempts_count: int
    lesson: Lesson

    @classmethod
    def from_result(cls, item: StrugglingLesson) -> StrugglingArea:
        score = item.quiz_score
        return cls(
            reason=item.reason,
            quiz_score=float(score) if score is not None else None,
            passing_score=item.passing_score,
            attempts_count=item.attempts_count,
            lesson=Lesson.from_model(item.lesson),
        )


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
    async def of(cls, info: Info, enrollment: Enrollment) -> EnrollmentProgress:
        loaders = info.context.loaders
        row = enrollment.model
        standing, modules, done = await asyncio.gather(
            _standing(info, row),
            loaders.catalog.course_modules.load(row.course_id),
            loaders.learning.completed_modules.load(row.id),
        )
        attempted = [x.id for x in standing.lessons if _attempted(standing, x.id)]
        quizzes = await loaders.assessments.quizzes_by_lesson.load_many(attempted)
        passing = {
            lesson_id: None if quiz is None else quiz.passing_score_percentage
            for lesson_id, quiz in zip(attempted, quizzes, strict=True)
        }
        return cls.from_summary(enrollment, summarize(standing, modules, done, passing))

    @classmethod
    def from_summary(cls, enrollment: Enrollment, s: ProgressSummary) -> EnrollmentProgress:
        return cls(
            enrollment=enrollment,
            completed_lessons=s.completed_lessons,
            total_lessons=s.total_lessons,
            percentage=float(s.percentage),
            completed_modules=s.completed_modules,
            total_modules=s.total_modules,
            next_recommended_lesson=_lesson(s.next_lesson),
            resume_lesson=_lesson(s.resume_lesson),
            resume_position_seconds=s.resume_position_seconds,
            estimated_minutes_remaining=s.estimated_minutes_remaining,
            struggling_areas=[StrugglingArea.from_result(x) for x in s.struggling],
        )


def _attempted(standing: Standing, lesson_id: uuid.UUID) -> bool:
    row = standing.progress.get(lesson_id)
    return row is not None and row.attempts_count > 0


# --- inputs and payloads ------------------------------------------------------------------------


@strawberry.input(description="The course to join.")
class EnrollInCourseInput(Input):
    course_id: strawberry.ID = node_id("Course")


@strawberry.type
class EnrollInCoursePayload(Payload):
    enrollment: Enrollment | None = None


@strawberry.input(description="The enrollment to leave, and why (optional, kept).")
class WithdrawEnrollmentInput(Input):
    enrollment_id: strawberry.ID = node_id("Enrollment")
    reason: str | None = strawberry.field(default=None, description="At most 1000 characters.")


@strawberry.type
class WithdrawEnrollmentPayload(Payload):
    enrollment: Enrollment | None = None


@strawberry.input(
    description="A lesson of a course you are enrolled in; omitted numbers stay as they are."
)
class UpdateLessonProgressInput(Input):
    lesson_id: strawberry.ID = node_id("Lesson")
    watch_time_seconds: int | None = strawberry.field(
        default=None, description="Total seconds watched; a smaller value than stored is ignored."
    )
    position_seconds: int | None = strawberry.field(
        default=None,
        description="Resume point; within the video once its duration is known (OUT_OF_RANGE).",
    )
    completed: bool = strawberry.field(
        default=False, description="Also complete the lesson (video and text lessons)."
    )


@strawberry.input(description="A lesson of a course you are enrolled in.")
class CompleteLessonInput(Input):
    lesson_id: strawberry.ID = node_id("Lesson")


@strawberry.type
class LessonProgressPayload(Payload):
    lesson_progress: LessonProgress | None = None

    @strawberry.field(description="Your enrollment, with its progress after the change.")
    async def enrollment(self, info: Info) -> Enrollment | None:
        if self.lesson_progress is None:
            return None
        return await Enrollment.by_id(info, self.lesson_progress.enrollment_id)


@strawberry.type
class UpdateLessonProgressPayload(LessonProgressPayload):
    pass


@strawberry.type
class CompleteLessonPayload(LessonProgressPayload):
    pass
