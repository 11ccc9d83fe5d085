"""Lesson progress, module and course completion.

Rules:
- Every progress write locks the enrollment row first, so writes of one enrollment are serialised
  and the course completes (and emits "learning.course_completed") exactly once.
- A student writes progress by lesson: the enrollment is theirs in the lesson's course (there is
  at most one). It must be ACTIVE or COMPLETED (a dropped one: NOT_ACTIVE); without one the
  lesson is NOT_ENROLLED when its course is published, else NOT_FOUND (it stays hidden).
- A lesson in a module whose prerequisite module is not completed cannot be progressed or
  completed: PREREQUISITE_NOT_MET (Property 28). A prerequisite module without lessons is met.
- Watch time never decreases (the larger of the stored and reported totals is kept); the position
  is the resume point. Any write marks a not_started lesson in_progress and records the lesson as
  the enrollment's last one.
- Quiz and assignment lessons complete only through `record_assessment_result` (called by the
  assessments); completing them directly is ASSESSMENT_REQUIRED.
- On every completion: the module is completed when all its lessons are (Property 25), the
  percentage is completed / total lessons * 100 rounded to 2 decimals (Property 24), and the
  course completes when every lesson is done and, if `courses.requires_final_exam`, the final exam
  was passed (`mark_final_exam_passed`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import media, webhooks
from app.analytics import EntityType, EventType, record_event
from app.catalog.models import CourseStatus, Lesson, LessonType
from app.clock import utcnow
from app.errors import Common, FieldError, Invalid, NotFound, collect
from app.learning import repo
from app.learning.errors import LearningCode
from app.learning.models import Enrollment, EnrollmentStatus, LessonProgress, ProgressStatus
from app.outbox import emit

COURSE_COMPLETED_TOPIC = "learning.course_completed"
ASSESSED_TYPES = frozenset({LessonType.QUIZ, LessonType.ASSIGNMENT})
MAX_SECONDS = 10 * 24 * 3600  # no lesson is watched for longer than ten days
CENT = Decimal("0.01")


def percentage(completed: int, total: int) -> Decimal:
    """completed / total * 100, rounded half up to 2 decimals; 0 for a course without lessons."""
    if total <= 0:
        return Decimal(0)
    return (Decimal(completed) * 100 / Decimal(total)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- access -------------------------------------------------------------------------------------


async def require_lesson_access(
    session: AsyncSession, *, enrollment: Enrollment, lesson_id: uuid.UUID
) -> None:
    """Raises NotFound for a lesson of another course and Invalid PREREQUISITE_NOT_MET when the
    lesson's module has an unfinished prerequisite module (Property 28)."""
    await accessible_lesson(session, enrollment=enrollment, lesson_id=lesson_id)


async def accessible_lesson(
    session: AsyncSession, *, enrollment: Enrollment, lesson_id: uuid.UUID
) -> Lesson:
    lesson = await repo.get_lesson(session, lesson_id)
    if lesson is None or lesson.course_id != enrollment.course_id:
        raise NotFound("Lesson")
    module = await repo.get_module(session, lesson.module_id)
    prerequisite = module.prerequisite_module_id if module is not None else None
    if prerequisite is not None and not await repo.prerequisite_met(
        session, enrollment.id, prerequisite
    ):
        required = await repo.get_module(session, prerequisite)
        title = required.title if required is not None else "the prerequisite module"
        raise Invalid("lesson_id", f"Complete “{title}” first", LearningCode.PREREQUISITE_NOT_MET)
    return lesson


async def _own_enrollment(
    session: AsyncSession, student_id: uuid.UUID, lesson_id: uuid.UUID
) -> tuple[Enrollment, Lesson]:
    """The student's enrollment in the lesson's course (locked) and the lesson, if open."""
    lesson = await repo.get_lesson(session, lesson_id)
    if lesson is None:
        raise NotFound("Lesson")
    enrollment = await repo.lock_enrollment_of(session, student_id, lesson.course_id)
    if enrollment is None:
        course = await repo.get_course(session, lesson.course_id)
        if course is None or course.status != CourseStatus.PUBLISHED:
            raise NotFound("Lesson")
        raise Invalid("lesson_id", "Enroll in this course first", LearningCode.NOT_ENROLLED)
    if enrollment.status not in repo.SEAT_STATUSES:
        raise Invalid(
            "lesson_id", "Your enrollment in this course is not active", LearningCode.NOT_ACTIVE
        )
    return enrollment, await accessible_lesson(session, enrollment=enrollment, lesson_id=lesson_id)


# --- student writes -----------------------------------------------------------------------------


def _check_seconds(watch_time_seconds: int | None, position_seconds: int | None) -> None:
    errors = [
        FieldError(field, f"Must be between 0 and {MAX_SECONDS} seconds", Common.OUT_OF_RANGE)
        for field, value in (
            ("watch_time_seconds", watch_time_seconds),
            ("position_seconds", position_seconds),
        )
        if value is not None and not 0 <= value <= MAX_SECONDS
    ]
    collect(errors)


async def _check_position(
    session: AsyncSession, video_id: uuid.UUID, position_seconds: int
) -> None:
    """A resume position lies within the video, once its duration is known."""
    duration = (await media.video_durations(session, [video_id])).get(video_id)
    if duration is not None and position_seconds > duration:
        raise Invalid(
            "position_seconds",
            f"The video is {duration} seconds long",
            Common.OUT_OF_RANGE,
        )


async def update_lesson_progress(
    session: AsyncSession,
    *,
    student_id: uuid.UUID,
    lesson_id: uuid.UUID,
    watch_time_seconds: int | None = None,
    position_seconds: int | None = None,
    completed: bool = False,
) -> LessonProgress:
    """Watch time (monotonic), resume position, optional completion of a lesson of a course the
    student is enrolled in."""
    _check_seconds(watch_time_seconds, position_seconds)
    enrollment, lesson = await _own_enrollment(session, student_id, lesson_id)
    if completed and lesson.type in ASSESSED_TYPES:
        raise Invalid(
            "completed",
            "Pass this lesson's assessment to complete it",
            LearningCode.ASSESSMENT_REQUIRED,
        )
    if position_seconds is not None and lesson.video_asset_id is not None:
        await _check_position(session, lesson.video_asset_id, position_seconds)
    now = utcnow()
    row = await _touch(session, enrollment, lesson, now)
    if watch_time_seconds is not None and watch_time_seconds > row.watch_time_seconds:
        added = watch_time_seconds - row.watch_time_seconds
        _record(session, EventType.VIDEO_WATCHED, enrollment, lesson, now, {"seconds": added})
        row.watch_time_seconds = watch_time_seconds
    if position_seconds is not None:
        row.last_position_seconds = position_seconds
    if completed:
        await _complete(session, enrollment, lesson, row, now)
    await session.flush()
    return row


async def complete_lesson(
    session: AsyncSession, *, student_id: uuid.UUID, lesson_id: uuid.UUID
) -> LessonProgress:
    """Complete a video or text lesson of a course the student is enrolled in (idempotent:
    completing a completed lesson changes nothing)."""
    enrollment, lesson = await _own_enrollment(session, student_id, lesson_id)
    if lesson.type in ASSESSED_TYPES:
        raise Invalid(
            "lesson_id",
            "Pass this lesson's assessment to complete it",
            LearningCode.ASSESSMENT_REQUIRED,
        )
    now = utcnow()
    row = await _touch(session, enrollment, lesson, now)
    await _complete(session, enrollment, lesson, row, now)
    await session.flush()
    return row


async def _touch(
    session: AsyncSession, enrollment: Enrollment, lesson: Lesson, now: datetime
) -> LessonProgress:
    row = await repo.progress_row(session, enrollment.id, lesson.id)
    if row.status == ProgressStatus.NOT_STARTED:
        row.status = ProgressStatus.IN_PROGRESS
    row.last_accessed_at = now
    if enrollment.last_lesson_id != lesson.id:  # opened; not a resume heartbeat on the same one
        _record(session, EventType.LESSON_VIEWED, enrollment, lesson, now)
    enrollment.last_lesson_id = lesson.id
    enrollment.last_accessed_at = now
    return row


def _record(
    session: AsyncSession,
    event_type: EventType,
    enrollment: Enrollment,
    lesson: Lesson,
    now: datetime,
    properties: dict[str, Any] | None = None,
) -> None:
    """The learner's lesson event, recorded once the caller's transaction commits."""
    record_event(
        event_type,
        user_id=enrollment.student_id,
        course_id=enrollment.course_id,
        entity_type=EntityType.LESSON,
        entity_id=lesson.id,
        properties=properties,
        occurred_at=now,
        session=session,
    )


# --- assessments --------------------------------------------------------------------------------


async def record_assessment_result(
    session: AsyncSession,
    *,
    enrollment_id: uuid.UUID,
    lesson_id: uuid.UUID,
    score_percentage: Decimal | None,
    passed: bool,
) -> None:
    """A graded quiz/assignment attempt on a lesson: counts the attempt, keeps the best score,
    completes the lesson when passed (then module, percentage and course completion follow).
    Callers have already checked who may take and grade the assessment."""
    if score_percentage is not None and not 0 <= score_percentage <= 100:
        raise Invalid(
            "score_percentage", "A score is a percentage between 0 and 100", Common.OUT_OF_RANGE
        )
    enrollment = await repo.lock_enrollment(session, enrollment_id)
    if enrollment is None:
        raise NotFound("Enrollment")
    lesson = await repo.get_lesson(session, lesson_id)
    if lesson is None or lesson.course_id != enrollment.course_id:
        raise NotFound("Lesson")
    now = utcnow()
    row = await repo.progress_row(session, enrollment.id, lesson.id)
    row.attempts_count += 1
    row.last_accessed_at = now
    if score_percentage is not None:
        score = Decimal(score_percentage).quantize(CENT, rounding=ROUND_HALF_UP)
        row.quiz_score = score if row.quiz_score is None else max(row.quiz_score, score)
    if row.status == ProgressStatus.NOT_STARTED:
        row.status = ProgressStatus.IN_PROGRESS
    if passed:
        await _complete(session, enrollment, lesson, row, now)
    await session.flush()


async def mark_final_exam_passed(session: AsyncSession, *, enrollment_id: uuid.UUID) -> None:
    """The course's final exam was passed (first time kept); completes the course if all lessons
    are done."""
    enrollment = await repo.lock_enrollment(session, enrollment_id)
    if enrollment is None:
        raise NotFound("Enrollment")
    if enrollment.final_exam_passed_at is None:
        enrollment.final_exam_passed_at = utcnow()
        await session.flush()
    await refresh_completion(session, enrollment)


# --- completion ---------------------------------------------------------------------------------


async def _complete(
    session: AsyncSession,
    enrollment: Enrollment,
    lesson: Lesson,
    row: LessonProgress,
    now: datetime,
) -> None:
    if row.status == ProgressStatus.COMPLETED:
        return
    row.status = ProgressStatus.COMPLETED
    row.completed_at = now
    await session.flush()
    _record(session, EventType.LESSON_COMPLETED, enrollment, lesson, now)
    if await repo.module_fully_completed(session, enrollment.id, lesson.module_id):
        await repo.add_module_completion(session, enrollment.id, lesson.module_id)
    await refresh_completion(session, enrollment)


async def refresh_completion(session: AsyncSession, enrollment: Enrollment) -> None:
    """Recompute the percentage (Property 24) and complete the course when its rules hold; the
    enrollment row must be locked by the caller's transaction."""
    completed, total = await repo.completion_counts(session, enrollment)
    enrollment.progress_percentage = percentage(completed, total)
    if total == 0 or completed < total or enrollment.status != EnrollmentStatus.ACTIVE:
        await session.flush()
        return
    course = await repo.get_course(session, enrollment.course_id)
    if (
        course is not None
        and course.requires_final_exam
        and enrollment.final_exam_passed_at is None
    ):
        await session.flush()
        return
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = utcnow()
    await session.flush()
    await emit(session, COURSE_COMPLETED_TOPIC, {"enrollment_id": str(enrollment.id)})
    await webhooks.course_completed(
        session, enrollment_id=enrollment.id, course_id=enrollment.course_id
    )


async def recheck_completions(session: AsyncSession, *, course_id: uuid.UUID) -> None:
    """After the course stopped requiring a final exam: complete the enrollments that only
    waited for it (each locked, as every progress write is)."""
    for enrollment_id in await repo.waiting_enrollment_ids(session, course_id):
        enrollment = await repo.lock_enrollment(session, enrollment_id)
        if enrollment is not None:
            await refresh_completion(session, enrollment)


async def certificates_issued(session: AsyncSession, *, course_id: uuid.UUID) -> bool:
    """Whether any certificate of the course was ever issued (revoked ones count)."""
    return await repo.certificates_issued(session, course_id)
