"""Where a student stands in a course, computed from rows the caller has loaded (the GraphQL
layer reads them through its loaders, so a page of enrollments costs a fixed number of reads):

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.catalog.models import CourseModule, Lesson
from app.learning.models import Enrollment, LessonProgress, ProgressStatus
from app.learning.progress import percentage

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
class Standing:
    """An enrollment's lessons (reading order) with its progress row of each, when it has one."""

    enrollment: Enrollment
    lessons: Sequence[Lesson]
    progress: Mapping[uuid.UUID, LessonProgress]

    @classmethod
    def of(
        cls, enrollment: Enrollment, lessons: Sequence[Lesson], rows: Sequence[LessonProgress]
    ) -> Standing:
        return cls(enrollment, lessons, {r.lesson_id: r for r in rows})

    def done(self, lesson: Lesson) -> bool:
        row = self.progress.get(lesson.id)
        return row is not None and row.status == ProgressStatus.COMPLETED

    @property
    def completed(self) -> list[Lesson]:
        return [x for x in self.lessons if self.done(x)]

    @property
    def remaining(self) -> list[Lesson]:
        return [x for x in self.lessons if not self.done(x)]

    @property
    def percentage(self) -> Decimal:
        """completed / total lessons * 100, rounded to 2 decimals (Property 24)."""
        return percentage(len(self.completed), len(self.lessons))

    def next_lesson(
        self, modules: Sequence[CourseModule], done_modules: set[uuid.UUID]
    ) -> Lesson | None:
        """The first lesson not completed whose module's prerequisite is met (a prerequisite
        module without lessons is met)."""
        with_lessons = {x.module_id for x in self.lessons}
        prerequisite = {m.id: m.prerequisite_module_id for m in modules}
        for lesson in self.remaining:
            required = prerequisite.get(lesson.module_id)
            if required is None or required in done_modules or required not in with_lessons:
                return lesson
        return None

    def resume(self) -> tuple[Lesson | None, int]:
        """The last lesson touched, while not completed, and the position to resume at."""
        last_id = self.enrollment.last_lesson_id
        last = next((x for x in self.lessons if x.id == last_id), None)
        row = self.progress.get(last.id) if last is not None else None
        if last is None or row is None or self.done(last):
            return None, 0
        return last, row.last_position_seconds

    def struggling(self, passing: Mapping[uuid.UUID, int | None]) -> list[StrugglingLesson]:
        found: list[StrugglingLesson] = []
        for lesson in self.lessons:
            row = self.progress.get(lesson.id)
            if row is None or row.attempts_count == 0:
                continue
            given = passing.get(lesson.id)
            threshold = DEFAULT_PASSING if given is None else given
            if row.quiz_score is not None and row.quiz_score < threshold:
                reason = StruggleReason.LOW_SCORE
            elif not self.done(lesson):
                reason = StruggleReason.NOT_PASSED
            else:
                continue
            found.append(
                StrugglingLesson(lesson, reason, row.quiz_score, threshold, row.attempts_count)
            )
        return found


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


def summarize(
    standing: Standing,
    modules: Sequence[CourseModule],
    done_modules: set[uuid.UUID],
    passing: Mapping[uuid.UUID, int | None],
) -> ProgressSummary:
    """Everything above for one enrollment."""
    resume, position = standing.resume()
    return ProgressSummary(
        enrollment=standing.enrollment,
        completed_lessons=len(standing.completed),
        total_lessons=len(standing.lessons),
        percentage=standing.percentage,
        completed_modules=sum(1 for m in modules if m.id in done_modules),
        total_modules=len(modules),
        next_lesson=standing.next_lesson(modules, done_modules),
        resume_lesson=resume,
        resume_position_seconds=position,
        estimated_minutes_remaining=sum(x.duration_minutes for x in standing.remaining),
        struggling=standing.struggling(passing),
    )
