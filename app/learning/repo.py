"""SQL of enrollments and lesson progress: row locks, progress upserts, batch reads.

Batch reads take key lists and return results in key order (for the per-request loaders).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.models import Course, CourseInstructor, CourseModule, Lesson
from app.db import rows_with
from app.ids import new_id
from app.learning.models import (
    Certificate,
    Enrollment,
    EnrollmentStatus,
    LessonProgress,
    ModuleCompletion,
    ProgressStatus,
)
from app.pagination import Page, PageRequest, SortKey, paginate

# Statuses that hold a seat and open the content.
SEAT_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


# --- single rows and locks ----------------------------------------------------------------------


async def lock_course(session: AsyncSession, course_id: uuid.UUID) -> Course | None:
    """The course row, locked: enrollments into one course are serialised on it."""
    return await session.scalar(select(Course).where(Course.id == course_id).with_for_update())


async def lock_enrollment(session: AsyncSession, enrollment_id: uuid.UUID) -> Enrollment | None:
    """The enrollment row, locked: progress writes of one enrollment are serialised on it."""
    return await session.scalar(
        select(Enrollment).where(Enrollment.id == enrollment_id).with_for_update()
    )


async def lock_enrollment_of(
    session: AsyncSession, student_id: uuid.UUID, course_id: uuid.UUID
) -> Enrollment | None:
    """The student's enrollment in the course (there is at most one), locked."""
    return await session.scalar(
        select(Enrollment)
        .where(Enrollment.student_id == student_id, Enrollment.course_id == course_id)
        .with_for_update()
    )


async def find_enrollment(
    session: AsyncSession, student_id: uuid.UUID, course_id: uuid.UUID
) -> Enrollment | None:
    return await session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == student_id, Enrollment.course_id == course_id
        )
    )


async def get_lesson(session: AsyncSession, lesson_id: uuid.UUID) -> Lesson | None:
    return await session.get(Lesson, lesson_id)


async def get_module(session: AsyncSession, module_id: uuid.UUID) -> CourseModule | None:
    return await session.get(CourseModule, module_id)


async def get_course(session: AsyncSession, course_id: uuid.UUID) -> Course | None:
    return await session.get(Course, course_id)


async def count_seats(session: AsyncSession, course_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(
        Enrollment.course_id == course_id, Enrollment.status.in_(SEAT_STATUSES)
    )
    return (await session.scalar(stmt)) or 0


async def set_enrollment_count(session: AsyncSession, course_id: uuid.UUID) -> None:
    """Re-derive `courses.enrollment_count` from the seats taken (course row already locked)."""
    seats = (
        select(func.count())
        .where(Enrollment.course_id == course_id, Enrollment.status.in_(SEAT_STATUSES))
        .scalar_subquery()
    )
    await session.execute(
        update(Course)
        .where(Course.id == course_id)
        .values(enrollment_count=seats)
        .execution_options(synchronize_session=False)
    )


async def is_course_instructor(
    session: AsyncSession, user_id: uuid.UUID, course_id: uuid.UUID
) -> bool:
    owner = select(literal(1)).where(Course.id == course_id, Course.instructor_id == user_id)
    helper = select(literal(1)).where(
        CourseInstructor.course_id == course_id, CourseInstructor.user_id == user_id
    )
    return bool(await session.scalar(select(owner.union_all(helper).exists())))


# --- progress writes ----------------------------------------------------------------------------


async def create_progress_rows(
    session: AsyncSession, enrollment_id: uuid.UUID, course_id: uuid.UUID
) -> None:
    """A not_started row for every lesson of the course that has none yet (Property 23)."""
    lesson_ids = list(await session.scalars(select(Lesson.id).where(Lesson.course_id == course_id)))
    if not lesson_ids:
        return
    stmt = (
        insert(LessonProgress)
        .values(
            [{"id": new_id(), "enrollment_id": enrollment_id, "lesson_id": i} for i in lesson_ids]
        )
        .on_conflict_do_nothing(index_elements=["enrollment_id", "lesson_id"])
    )
    await session.execute(stmt)


async def progress_row(
    session: AsyncSession, enrollment_id: uuid.UUID, lesson_id: uuid.UUID
) -> LessonProgress:
    """The progress row of a lesson, created not_started when missing (lessons added after the
    enrollment get theirs lazily, on first use)."""
    await session.execute(
        insert(LessonProgress)
        .values(id=new_id(), enrollment_id=enrollment_id, lesson_id=lesson_id)
        .on_conflict_do_nothing(index_elements=["enrollment_id", "lesson_id"])
    )
    found = await session.scalar(
        select(LessonProgress)
        .where(LessonProgress.enrollment_id == enrollment_id, LessonProgress.lesson_id == lesson_id)
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def completion_counts(session: AsyncSession, enrollment: Enrollment) -> tuple[int, int]:
    """(completed lessons, total lessons) of the enrollment's course."""
    completed = (
        select(func.count())
        .select_from(LessonProgress)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(
            LessonProgress.enrollment_id == enrollment.id,
            LessonProgress.status == ProgressStatus.COMPLETED,
            Lesson.course_id == enrollment.course_id,
        )
        .scalar_subquery()
    )
    total = select(func.count()).where(Lesson.course_id == enrollment.course_id).scalar_subquery()
    row = (await session.execute(select(completed, total))).one()
    return int(row[0]), int(row[1])


async def module_fully_completed(
    session: AsyncSession, enrollment_id: uuid.UUID, module_id: uuid.UUID
) -> bool:
    """Whether every lesson of the module is completed in this enrollment."""
    open_lesson = (
        select(Lesson.id)
        .outerjoin(
            LessonProgress,
            (LessonProgress.lesson_id == Lesson.id)
            & (LessonProgress.enrollment_id == enrollment_id),
        )
        .where(
            Lesson.module_id == module_id,
            (LessonProgress.status.is_(None)) | (LessonProgress.status != ProgressStatus.COMPLETED),
        )
    )
    return not bool(await session.scalar(select(open_lesson.exists())))


async def add_module_completion(
    session: AsyncSession, enrollment_id: uuid.UUID, module_id: uuid.UUID
) -> None:
    await session.execute(
        insert(ModuleCompletion)
        .values(enrollment_id=enrollment_id, module_id=module_id)
        .on_conflict_do_nothing(index_elements=["enrollment_id", "module_id"])
    )


async def prerequisite_met(
    session: AsyncSession, enrollment_id: uuid.UUID, module_id: uuid.UUID
) -> bool:
    """A prerequisite module is met when completed in this enrollment, or when it has no lessons
    (there is nothing to complete)."""
    done = select(ModuleCompletion.module_id).where(
        ModuleCompletion.enrollment_id == enrollment_id, ModuleCompletion.module_id == module_id
    )
    empty = ~select(Lesson.id).where(Lesson.module_id == module_id).exists()
    return bool(await session.scalar(select(done.exists() | empty)))


# --- reads for the API --------------------------------------------------------------------------


async def enrollments_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Enrollment | None]:
    found = {e.id: e for e in await rows_with(session, Enrollment.id, ids)}
    return [found.get(i) for i in ids]


async def progress_by_enrollment_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[list[LessonProgress]]:
    found: dict[uuid.UUID, list[LessonProgress]] = {i: [] for i in ids}
    for row in await session.scalars(
        select(LessonProgress).where(LessonProgress.enrollment_id.in_(ids))
    ):
        found[row.enrollment_id].append(row)
    return [found[i] for i in ids]


async def completed_modules_by_enrollment_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[set[uuid.UUID]]:
    """The ids of the modules each enrollment has completed."""
    found: dict[uuid.UUID, set[uuid.UUID]] = {i: set() for i in ids}
    stmt = select(ModuleCompletion.enrollment_id, ModuleCompletion.module_id).where(
        ModuleCompletion.enrollment_id.in_(ids)
    )
    for enrollment_id, module_id in (await session.execute(stmt)).all():
        found[enrollment_id].add(module_id)
    return [found[i] for i in ids]


async def enrollments_by_student_and_course(
    session: AsyncSession, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> list[Enrollment | None]:
    """The enrollment of each (student id, course id), in any status, if there is one."""
    stmt = select(Enrollment).where(
        tuple_(Enrollment.student_id, Enrollment.course_id).in_(list(keys))
    )
    found = {(e.student_id, e.course_id): e for e in await session.scalars(stmt)}
    return [found.get(k) for k in keys]


async def certificates_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Certificate | None]:
    found = {c.id: c for c in await rows_with(session, Certificate.id, ids)}
    return [found.get(i) for i in ids]


async def certificates_by_enrollment_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Certificate | None]:
    """The certificate each enrollment earned, if one was issued."""
    stmt = select(Certificate).where(Certificate.enrollment_id.in_(ids))
    found = {c.enrollment_id: c for c in await session.scalars(stmt)}
    return [found.get(i) for i in ids]


async def list_student_enrollments(
    session: AsyncSession,
    *,
    student_id: uuid.UUID,
    status: EnrollmentStatus | None,
    request: PageRequest,
    with_total: bool = False,
) -> Page[Enrollment]:
    """A student's enrollments, most recently enrolled first."""
    stmt = select(Enrollment).where(Enrollment.student_id == student_id)
    if status is not None:
        stmt = stmt.where(Enrollment.status == status)
    return await paginate(
        session,
        stmt,
        order_by=[SortKey(Enrollment.enrolled_at.expression, descending=True)],
        tiebreaker=Enrollment.id.expression,
        request=request,
        with_total=with_total,
    )


async def list_user_certificates(
    session: AsyncSession, *, user_id: uuid.UUID, request: PageRequest, with_total: bool = False
) -> Page[Certificate]:
    """A user's certificates (revoked ones included), most recently issued first."""
    return await paginate(
        session,
        select(Certificate).where(Certificate.user_id == user_id),
        order_by=[SortKey(Certificate.issued_at.expression, descending=True)],
        tiebreaker=Certificate.id.expression,
        request=request,
        with_total=with_total,
    )


# --- certification ------------------------------------------------------------------------------


async def certificates_issued(session: AsyncSession, course_id: uuid.UUID) -> bool:
    issued = select(Certificate.id).where(Certificate.course_id == course_id).exists()
    return bool(await session.scalar(select(issued)))


async def waiting_enrollment_ids(session: AsyncSession, course_id: uuid.UUID) -> list[uuid.UUID]:
    """Active enrollments of the course with every lesson completed (waiting for a final exam)."""
    return list(
        await session.scalars(
            select(Enrollment.id).where(
                Enrollment.course_id == course_id,
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Enrollment.progress_percentage >= 100,
            )
        )
    )
