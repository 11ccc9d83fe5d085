"""GraphQL types of course exams, their resources and attempts (relay nodes read through loaders).

An exam is visible to the course's teachers and admins and to the students whose enrollment
opens the course; an attempt (`ExamSubmission`) to its student and the course's teachers.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from app.assessments import exams
from app.assessments import models as m
from schema.assessments.access import admit, own_or_taught, seats
from schema.assessments.assignments import SubmissionFile, gid
from schema.core.context import Info
from schema.core.relay import NOWHERE, ModelNode

strawberry.enum(m.ExamSubmissionStatus, name="ExamSubmissionStatus")


@strawberry.type(description="Material for an exam: a link, or a file (signed, expiring URL).")
class ExamResource:
    file_name: str
    description: str | None
    content_type: str | None = strawberry.field(description="Of a file; null for a link.")
    model: strawberry.Private[m.ExamResource]

    @classmethod
    def from_model(cls, row: m.ExamResource) -> Self:
        return cls(
            file_name=row.file_name,
            description=row.description,
            content_type=row.content_type,
            model=row,
        )

    @strawberry.field(description="The link, or a download URL of the file; null if it is gone.")
    async def url(self, info: Info) -> str | None:
        key = self.model.file_asset_id
        asset = await info.context.loaders.media.assets.load(key) if key is not None else None
        return exams.resource_url(info.context.storage, self.model, asset)


@strawberry.type(description="A timed, attempts-limited course exam.")
class Exam(ModelNode):
    id: relay.NodeID[str]
    course_id: strawberry.ID
    title: str
    description: str | None
    instructions: str | None
    duration_minutes: int
    total_marks: int
    passing_marks: int
    attempts_limit: int = strawberry.field(description="0: no cap.")
    is_final: bool = strawberry.field(description="Passing it can be required for completion.")
    available_from: datetime | None
    available_until: datetime | None
    model: strawberry.Private[m.Exam]

    @classmethod
    def from_model(cls, row: m.Exam) -> Self:
        return cls(
            id=str(row.id),
            course_id=gid("Course", row.course_id),
            title=row.title,
            description=row.description,
            instructions=row.instructions,
            duration_minutes=row.duration_minutes,
            total_marks=row.total_marks,
            passing_marks=row.passing_marks,
            attempts_limit=row.attempts_limit,
            is_final=row.is_final,
            available_from=row.available_from,
            available_until=row.available_until,
            model=row,
        )

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> list[m.Exam | None]:
        return await info.context.loaders.assessments.exams.load_many(ids)

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[m.Exam | None]) -> list[m.Exam | None]:
        """The course's teachers and its students."""
        found = await seats(info, [r.course_id if r else None for r in rows])
        return admit(rows, found, lambda row, seat: seat.member)

    @strawberry.field(description="Links and files for the exam.")
    async def resources(self, info: Info) -> list[ExamResource]:
        rows = await info.context.loaders.assessments.exam_resources.load(self.model.id)
        return [ExamResource.from_model(r) for r in rows]


@strawberry.type(description="One attempt at an exam; the deadline is kept by the server.")
class ExamSubmission(ModelNode):
    id: relay.NodeID[str]
    exam_id: strawberry.ID
    attempt_number: int
    status: m.ExamSubmissionStatus
    started_at: datetime
    deadline_at: datetime
    submitted_at: datetime | None
    score: float | None
    is_passed: bool | None
    feedback: str | None
    notes: str | None
    graded_at: datetime | None
    model: strawberry.Private[m.ExamSubmission]

    @classmethod
    def from_model(cls, row: m.ExamSubmission) -> Self:
        return cls(
            id=str(row.id),
            exam_id=gid("Exam", row.exam_id),
            attempt_number=row.attempt_number,
            status=m.ExamSubmissionStatus(row.status),
            started_at=row.started_at,
            deadline_at=row.deadline_at,
            submitted_at=row.submitted_at,
            score=float(row.score) if row.score is not None else None,
            is_passed=row.is_passed,
            feedback=row.feedback,
            notes=row.notes,
            graded_at=row.graded_at,
            model=row,
        )

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> list[m.ExamSubmission | None]:
        return await info.context.loaders.assessments.exam_submissions.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[m.ExamSubmission | None]
    ) -> list[m.ExamSubmission | None]:
        """Its student and the course's teachers."""
        exam_rows = await info.context.loaders.assessments.exams.load_many(
            [r.exam_id if r else NOWHERE for r in rows]
        )
        course_ids = [e.course_id if e else None for e in exam_rows]
        return await own_or_taught(info, rows, course_ids, lambda row: row.user_id)

    @strawberry.field(description="The files handed in, in upload order.")
    async def files(self, info: Info) -> list[SubmissionFile]:
        rows = await info.context.loaders.assessments.exam_files.load(self.model.id)
        return [SubmissionFile.from_model(r) for r in rows]
