"""Learning test helpers: courses to enroll in, enrollments through the service, progress reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from app.accounts.models import User
from app.assessments.models import Quiz
from app.catalog.models import Course, CourseModule, Lesson, LessonType
from app.db import Database
from app.learning import certificates, service
from app.learning.models import (
    Certificate,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    LessonProgress,
    ModuleCompletion,
)
from app.outbox import OutboxEvent
from tests.support import accounts as accounts
from tests.support import catalog as factories
from tests.support.catalog import course

person, instructor, gid, token_for = (
    factories.person,
    factories.instructor,
    factories.gid,
    factories.token_for,
)


async def free_course(
    database: Database, *, modules: int = 2, lessons: int = 2, **fields: Any
) -> Course:
    """A published free course of text lessons (10 minutes each) by a new instructor."""
    owner = await instructor(database)
    return await factories.course(
        database, owner.id, tiers=(), modules=modules, lessons=lessons, **fields
    )


async def paid_course(database: Database) -> Course:
    owner = await instructor(database)
    return await factories.course(database, owner.id)


async def lessons_of(database: Database, course_id: uuid.UUID) -> list[Lesson]:
    """The course's lessons in reading order."""
    async with database.session() as session:
        rows = await session.scalars(
            select(Lesson)
            .join(CourseModule, CourseModule.id == Lesson.module_id)
            .where(Lesson.course_id == course_id)
            .order_by(CourseModule.order_number, Lesson.order_number)
        )
        return list(rows)


async def modules_of(database: Database, course_id: uuid.UUID) -> list[CourseModule]:
    async with database.session() as session:
        rows = await session.scalars(
            select(CourseModule)
            .where(CourseModule.course_id == course_id)
            .order_by(CourseModule.order_number)
        )
        return list(rows)


async def set_lesson_type(database: Database, lesson_id: uuid.UUID, kind: LessonType) -> None:
    async with database.transaction() as session:
        await session.execute(update(Lesson).where(Lesson.id == lesson_id).values(type=kind))


async def quiz_on(database: Database, lesson_id: uuid.UUID, passing_percentage: int) -> None:
    """A quiz on the lesson (no questions) that is passed at `passing_percentage`."""
    async with database.transaction() as session:
        session.add(
            Quiz(lesson_id=lesson_id, title="Check", passing_score_percentage=passing_percentage)
        )


async def require_module(
    database: Database, module_id: uuid.UUID, prerequisite_id: uuid.UUID
) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(CourseModule)
            .where(CourseModule.id == module_id)
            .values(prerequisite_module_id=prerequisite_id)
        )


async def enroll(database: Database, student: User, course: Course) -> Enrollment:
    async with database.transaction() as session:
        return await service.enroll_student(
            session, student_id=student.id, course_id=course.id, source=EnrollmentSource.FREE
        )


async def student_in(database: Database, course: Course) -> tuple[User, Enrollment]:
    student = await person(database)
    return student, await enroll(database, student, course)


async def complete(database: Database, enrollment: Enrollment, lesson_id: uuid.UUID) -> None:
    async with database.transaction() as session:
        await service.complete_lesson(
            session, student_id=enrollment.student_id, lesson_id=lesson_id
        )


async def record(
    database: Database, enrollment: Enrollment, lesson_id: uuid.UUID, score: str, passed: bool
) -> None:
    async with database.transaction() as session:
        await service.record_assessment_result(
            session,
            enrollment_id=enrollment.id,
            lesson_id=lesson_id,
            score_percentage=Decimal(score),
            passed=passed,
        )


async def reload(database: Database, enrollment_id: uuid.UUID) -> Enrollment:
    async with database.session() as session:
        found = await session.get(Enrollment, enrollment_id)
        assert found is not None
        return found


async def progress_rows(database: Database, enrollment_id: uuid.UUID) -> dict[uuid.UUID, Any]:
    async with database.session() as session:
        rows = await session.scalars(
            select(LessonProgress).where(LessonProgress.enrollment_id == enrollment_id)
        )
        return {r.lesson_id: r for r in rows}


async def completed_modules(database: Database, enrollment_id: uuid.UUID) -> set[uuid.UUID]:
    async with database.session() as session:
        rows = await session.scalars(
            select(ModuleCompletion.module_id).where(
                ModuleCompletion.enrollment_id == enrollment_id
            )
        )
        return set(rows)


async def completion_events(database: Database, enrollment_id: uuid.UUID) -> int:
    async with database.session() as session:
        rows = await session.scalars(
            select(OutboxEvent).where(
                OutboxEvent.topic == "learning.course_completed",
                OutboxEvent.payload["enrollment_id"].astext == str(enrollment_id),
            )
        )
        return len(list(rows))


async def completed_enrollment(
    database: Database,
    *,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    title: str = "Python for Absolute Beginners",
    status: EnrollmentStatus = EnrollmentStatus.COMPLETED,
) -> tuple[Enrollment, User, Course]:
    """A student's enrollment in a published course, completed on COMPLETED_AT."""
    teacher = await instructor(database)
    student = await person(database, first_name=first_name, last_name=last_name)
    taught = await course(database, teacher.id, title=title, tiers=())
    async with database.transaction() as session:
        enrollment = Enrollment(
            student_id=student.id,
            course_id=taught.id,
            source=EnrollmentSource.FREE,
            status=status,
            completed_at=COMPLETED_AT if status == EnrollmentStatus.COMPLETED else None,
        )
        session.add(enrollment)
    return enrollment, student, taught


COMPLETED_AT = datetime(2025, 3, 5, 14, 30, tzinfo=UTC)


async def certified_courses(database: Database, student: User, count: int) -> list[Certificate]:
    """`count` published courses (one lesson each) the student completed, each with its
    certificate: plain inserts in one transaction (no PDF is rendered)."""
    owner = await instructor(database)
    async with database.transaction() as session:
        taught = [
            factories.build_course(session, owner.id, tiers=(), modules=1, lessons=1)
            for _ in range(count)
        ]
        await session.flush()
        enrollments = [
            factories.enrollment(student.id, c.id, EnrollmentStatus.COMPLETED) for c in taught
        ]
        session.add_all(enrollments)
        await session.flush()
        issued = [
            Certificate(
                enrollment_id=e.id,
                user_id=student.id,
                course_id=c.id,
                certificate_number=certificates.new_certificate_number(2025),
                verification_code=certificates.new_verification_code(),
                student_name=f"{student.first_name} {student.last_name}",
                course_title=c.title,
                issued_at=COMPLETED_AT,
                pdf_storage_key=f"certificates/{e.id}.pdf",
            )
            for e, c in zip(enrollments, taught, strict=True)
        ]
        session.add_all(issued)
    return issued
