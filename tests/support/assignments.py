"""Fixtures of the assignment, exam and gradebook tests: a course with an assignment lesson, its
teacher, enrolled students, uploads that really land in (local) storage."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User, UserRole
from app.assessments import assignments, exams
from app.assessments.models import (
    Assignment,
    AssignmentSubmission,
    AssignmentSubmissionFile,
    Exam,
    ExamResource,
)
from app.catalog.models import Course, CourseModule, Lesson, LessonType
from app.db import Database
from app.ids import new_id
from app.integrations.storage import Storage, make_storage
from app.learning.models import Enrollment, EnrollmentSource
from app.learning.service import enroll_student
from app.media.models import FileAsset, FilePurpose, FileStatus, StorageBackend
from app.media.service import request_upload
from app.security.permissions import Actor
from app.settings import get_settings
from tests.support.catalog import course, instructor, person

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def storage() -> Storage:
    return make_storage(get_settings())


@dataclass
class Classroom:
    teacher: User
    course: Course
    lesson: Lesson

    @property
    def actor(self) -> Actor:
        return Actor.of(self.teacher)


async def classroom(database: Database) -> Classroom:
    """A published free course whose only module has one assignment lesson."""
    teacher = await instructor(database)
    taught = await course(database, teacher.id, tiers=(), modules=0)
    async with database.transaction() as session:
        module = CourseModule(id=new_id(), course_id=taught.id, title="Work", order_number=1)
        lesson = Lesson(
            id=new_id(),
            module_id=module.id,
            course_id=taught.id,
            type=LessonType.ASSIGNMENT,
            title="Essay",
            duration_minutes=30,
            order_number=1,
        )
        session.add(module)
        await session.flush()
        session.add(lesson)
    return Classroom(teacher, taught, lesson)


async def student_in(database: Database, course_id: uuid.UUID, **kw: Any) -> User:
    student = await person(database, **kw)
    async with database.transaction() as session:
        await enroll_student(
            session, student_id=student.id, course_id=course_id, source=EnrollmentSource.FREE
        )
    return student


async def assignment_in(room: Classroom, database: Database, **kw: Any) -> Assignment:
    values: dict[str, Any] = {
        "title": "Write an essay",
        "instructions": "Two pages.",
        "allowed_file_types": ["pdf"],
        "max_file_size_mb": 1,
        "requires_file_upload": False,
        **kw,
    }
    async with database.transaction() as session:
        return await assignments.create_assignment(
            session, actor=room.actor, lesson_id=room.lesson.id, **values
        )


async def exam_in(room: Classroom, database: Database, **kw: Any) -> Exam:
    values: dict[str, Any] = {"title": "Midterm", "duration_minutes": 60, **kw}
    async with database.transaction() as session:
        return await exams.create_exam(
            session, actor=room.actor, course_id=room.course.id, **values
        )


async def upload(
    database: Database,
    student: User,
    data: bytes,
    *,
    name: str = "essay.pdf",
    content_type: str = "application/pdf",
    purpose: FilePurpose = FilePurpose.ASSIGNMENT_SUBMISSION,
    declared_size: int | None = None,
) -> uuid.UUID:
    """A pending upload whose bytes are in storage (as a client would have sent them)."""
    store = storage()
    async with database.transaction() as session:
        ticket = await request_upload(
            session,
            store,
            owner_id=student.id,
            purpose=purpose,
            file_name=name,
            content_type=content_type,
            size=declared_size or len(data),
        )
        asset = await session.get(FileAsset, ticket.file_asset_id)
        assert asset is not None
        key = asset.storage_key
    await store.put(key, data, content_type)
    return ticket.file_asset_id


async def count(database: Database, model: Any, *where: Any) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def enrollment_of(database: Database, student: User, course_id: uuid.UUID) -> Enrollment:
    async with database.session() as session:
        found = await session.scalar(
            select(Enrollment).where(
                Enrollment.student_id == student.id, Enrollment.course_id == course_id
            )
        )
    assert found is not None
    return found


async def admin(database: Database) -> Actor:
    return Actor.of(await person(database, UserRole.ADMIN))


def at(value: datetime) -> str:
    return value.isoformat()


def ready_file(owner_id: uuid.UUID, purpose: FilePurpose, name: str = "sheet.pdf") -> FileAsset:
    """A finished upload row (no bytes in storage: enough for links and listings)."""
    asset_id = new_id()
    return FileAsset(
        id=asset_id,
        owner_id=owner_id,
        purpose=purpose,
        storage_backend=StorageBackend.LOCAL,
        storage_key=f"uploads/{purpose.value}/{owner_id}/{asset_id}/{name}",
        file_name=name,
        content_type="application/pdf",
        size_bytes=len(PDF),
        status=FileStatus.READY,
    )


async def many_exams(room: Classroom, database: Database, count: int) -> list[Exam]:
    """`count` exams of the room's course, each with a link and a file resource (plain inserts)."""
    async with database.transaction() as session:
        made = [
            Exam(id=new_id(), course_id=room.course.id, title=f"Exam {i}", duration_minutes=30)
            for i in range(count)
        ]
        files = [ready_file(room.teacher.id, FilePurpose.EXAM_RESOURCE) for _ in made]
        session.add_all([*made, *files])
        await session.flush()
        session.add_all(
            resource
            for exam, asset in zip(made, files, strict=True)
            for resource in (
                ExamResource(exam_id=exam.id, file_name="Link", url="https://example.com/a"),
                ExamResource(
                    exam_id=exam.id,
                    file_name="Sheet",
                    file_asset_id=asset.id,
                    content_type=asset.content_type,
                ),
            )
        )
    return made


async def many_assignments(room: Classroom, database: Database, count: int) -> list[Assignment]:
    async with database.transaction() as session:
        made = [
            Assignment(
                id=new_id(),
                lesson_id=room.lesson.id,
                title=f"Essay {i}",
                instructions="Write.",
                max_points=10,
                rubric=[{"criterion": "Clarity", "points": 10, "description": None}],
            )
            for i in range(count)
        ]
        session.add_all(made)
    return made


async def many_submissions(
    room: Classroom, database: Database, assignment: Assignment, students: list[User]
) -> list[AssignmentSubmission]:
    """One submission with a file per student (plain inserts)."""
    async with database.transaction() as session:
        enrollments = dict(
            (
                await session.execute(
                    select(Enrollment.student_id, Enrollment.id).where(
                        Enrollment.course_id == room.course.id
                    )
                )
            ).all()
        )
        made = [
            AssignmentSubmission(
                id=new_id(),
                assignment_id=assignment.id,
                student_id=s.id,
                enrollment_id=enrollments[s.id],
                text="Mine",
            )
            for s in students
        ]
        files = [ready_file(s.id, FilePurpose.ASSIGNMENT_SUBMISSION) for s in students]
        session.add_all([*made, *files])
        await session.flush()
        session.add_all(
            AssignmentSubmissionFile(
                submission_id=sub.id,
                file_asset_id=asset.id,
                file_name=asset.file_name,
                content_type=asset.content_type,
                size_bytes=asset.size_bytes,
            )
            for sub, asset in zip(made, files, strict=True)
        )
    return made
