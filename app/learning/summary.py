"""Where a student stands in a course: `enrollmentProgress`.

- completed / total lessons and the live percentage (lessons added after enrollment count as not
  started until touched);
- completed modules (rows of module_completions among the course's modules);
- the next recommended lesson: the first lesson in reading order that is not completed and whose
  module's prerequisite is met; the resume point: the last lesson touched, while not completed,
  with its position;
- estimated minutes remaining: the durations of the lessons not completed;
- struggling areas: lessons whose best assessment score is below the passing score (the quiz's
  passing percentage, else DEFAULT_PASSING) or that were attempted without being completed.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.models import CourseModule, Lesson
from app.learning import repo
from app.learning.models import Enrollment, LessonProgress, ProgressStatus
from app.learning.progress import percentage
from app.learning.service import viewable_enrollment
from app.security.permissions import Actor

DEFAULT_PASSING = 70  # percent, for assessed lessons without a quiz passing score


class StruggleReason(enum.StrEnum):
    LOW_SCORE = "low_score"
    NOT_PASSED = "not_passed"


@dataclass(frozen=True)
class StrugglingLesson:
    lesson: Lesson
    reason: StruggleReason
    quiz_score: Decimal | None
    passing_score: int
    attempts_count: int


@dataclass(frozen=True)
class ProgressSummary:
    enrollment: Enrollment
    completed_lessons: int
    total_lessons: int
    percentage: Decimal
    completed_modules: int
    total_modules: int
    next_lesson: Lesson | None
    resume_lesson: Lesson | None
    resume_position_seconds: int
    estimated_minutes_remaining: int
    struggling: list[StrugglingLesson]


async def progress_summary(
    session: AsyncSession, *, actor: Actor, enrollment_id: uuid.UUID
) -> ProgressSummary:
    """For the student, the course's teachers and admins (others: NOT_FOUND)."""
    enrollment = await viewable_enrollment(session, actor=actor, enrollment_id=enrollment_id)
    lessons = (await repo.lessons_in_order_by_course_ids(session, [enrollment.course_id]))[0]
    modules = await repo.modules_in_order(session, enrollment.course_id)
    rows = (await repo.progress_by_enrollment_ids(session, [enrollment.id]))[0]
    progress = {r.lesson_id: r for r in rows}
    done_modules = await repo.completed_module_ids(session, enrollment.id)
    passing = await repo.passing_scores(session, [x.id for x in lessons])
    completed = [x for x in lessons if _done(progress.get(x.id))]
    remaining = [x for x in lessons if not _done(progress.get(x.id))]
    resume, position = _resume(enrollment, lessons, progress)
    return ProgressSummary(
        enrollment=enrollment,
        completed_lessons=len(completed),
        total_lessons=len(lessons),
        percentage=percentage(len(completed), len(lessons)),
        completed_modules=sum(1 for m in modules if m.id in done_modules),
        total_modules=len(modules),
        next_lesson=_next_lesson(remaining, modules, lessons, done_modules),
        resume_lesson=resume,
        resume_position_seconds=position,
        estimated_minutes_remaining=sum(x.duration_minutes for x in remaining),
        struggling=_struggling(lessons, progress, passing),
    )


def _done(row: LessonProgress | None) -> bool:
    return row is not None and row.status == ProgressStatus.COMPLETED


def _next_lesson(
    remaining: list[Lesson],
    modules: list[CourseModule],
    lessons: list[Lesson],
    done_modules: set[uuid.UUID],
) -> Lesson | None:
    with_lessons = {x.module_id for x in lessons}
    prerequisite = {m.id: m.prerequisite_module_id for m in modules}
    for lesson in remaining:
        required = prerequisite.get(lesson.module_id)
        if required is None or required in done_modules or required not in with_lessons:
            return lesson
    return None


def _resume(
    enrollment: Enrollment, lessons: list[Lesson], progress: dict[uuid.UUID, LessonProgress]
) -> tuple[Lesson | None, int]:
    last = next((x for x in lessons if x.id == enrollment.last_lesson_id), None)
    row = progress.get(last.id) if last is not None else None
    if last is None or row is None or _done(row):
        return None, 0
    return last, row.last_position_seconds


def _struggling(
    lessons: list[Lesson], progress: dict[uuid.UUID, LessonProgress], passing: dict[uuid.UUID, int]
) -> list[StrugglingLesson]:
    found: list[StrugglingLesson] = []
    for lesson in lessons:
        row = progress.get(lesson.id)
        if row is None or row.attempts_count == 0:
            continue
        threshold = passing.get(lesson.id, DEFAULT_PASSING)
        if row.quiz_score is not None and row.quiz_score < threshold:
            reason = StruggleReason.LOW_SCORE
        elif not _done(row):
            reason = StruggleReason.NOT_PASSED
        else:
            continue
        found.append(
            StrugglingLesson(lesson, reason, row.quiz_score, threshold, row.attempts_count)
        )
    return found
