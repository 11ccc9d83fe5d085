"""GraphQL types of assignments and their submissions (relay nodes read through loaders).

An assignment is visible to the course's teachers and admins and to the students whose
enrollment opens the course; a submission to its student and the course's teachers
(`schema.assessments.access`). Points are floats with two decimals.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Self

import strawberry
from strawberry import relay
from strawberry.relay import to_base64

from app.assessments import models as m
from app.media import attached_url
from schema.assessments.access import admit, lesson_courses, lesson_seats, own_or_taught
from schema.core.context import Info
from schema.core.relay import NOWHERE, ModelNode

strawberry.enum(m.SubmissionStatus, name="AssignmentSubmissionStatus")


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def gid(type_name: str, key: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(to_base64(type_name, str(key)))


@strawberry.type(description="One criterion of an assignment's rubric.")
class RubricCriterion:
    criterion: str
    points: int
    description: str | None = None


@strawberry.type(description="The points a grader gave for one rubric criterion.")
class RubricScore:
    criterion: str
    points: float


@strawberry.type(description="A file handed in with a submission.")
class SubmissionFile:
    file_id: strawberry.ID = strawberry.field(description="The upload (a FileAsset id).")
    file_name: str
    content_type: str
    size_bytes: int
    asset_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: m.AssignmentSubmissionFile | m.ExamSubmissionFile) -> Self:
        return cls(
            file_id=gid("FileAsset", row.file_asset_id),
            file_name=row.file_name,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            asset_id=row.file_asset_id,
        )

    @strawberry.field(description="A signed download URL (expires); null if the file is gone.")
    async def url(self, info: Info) -> str | None:
        asset = await info.context.loaders.media.assets.load(self.asset_id)
        return attached_url(info.context.storage, asset)


@strawberry.type(description="Written or file work on an assignment lesson, graded by a rubric.")
class Assignment(ModelNode):
    id: relay.NodeID[str]
    lesson_id: strawberry.ID
    title: str
    description: str | None
    instructions: str
    due_at: datetime | None = strawberry.field(description="Null: self-paced, never late.")
    late_submission_allowed: bool
    late_penalty_percentage: int
    max_points: int
    requires_file_upload: bool
    allowed_file_types: list[str] = strawberry.field(
        description="Extensions (`pdf`) and/or MIME types (`application/pdf`); empty: any."
    )
    max_file_size_mb: int
    rubric: list[RubricCriterion]

    @classmethod
    def from_model(cls, row: m.Assignment) -> Self:
        return cls(
            id=str(row.id),
            lesson_id=gid("Lesson", row.lesson_id),
            title=row.title,
            description=row.description,
            instructions=row.instructions,
            due_at=row.due_at,
            late_submission_allowed=row.late_submission_allowed,
            late_penalty_percentage=row.late_penalty_percentage,
            max_points=row.max_points,
            requires_file_upload=row.requires_file_upload,
            allowed_file_types=list(row.allowed_file_types),
            max_file_size_mb=row.max_file_size_mb,
            rubric=[
                RubricCriterion(
                    criterion=c["criterion"], points=c["points"], description=c.get("description")
                )
                for c in row.rubric or []
            ],
        )

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> list[m.Assignment | None]:
        return await info.context.loaders.assessments.assignments.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[m.Assignment | None]
    ) -> list[m.Assignment | None]:
        """The course's teachers and its students."""
        found = await lesson_seats(info, [r.lesson_id if r else None for r in rows])
        return admit(rows, found, lambda row, seat: seat.member)


@strawberry.type(description="A student's submission; a revision links to the one it revises.")
class AssignmentSubmission(ModelNode):
    id: relay.NodeID[str]
    assignment_id: strawberry.ID
    student_id: strawberry.ID
    text: str | None
    submitted_at: datetime
    is_late: bool
    points_awarded: float | None = strawberry.field(description="After the late penalty.")
    late_penalty_points: float
    feedback: str | None
    rubric_scores: list[RubricScore]
    status: m.SubmissionStatus
    graded_at: datetime | None
    revision_number: int
    parent_submission_id: strawberry.ID | None
    model: strawberry.Private[m.AssignmentSubmission]

    @classmethod
    def from_model(cls, row: m.AssignmentSubmission) -> Self:
        parent = row.parent_submission_id
        return cls(
            id=str(row.id),
            assignment_id=gid("Assignment", row.assignment_id),
            student_id=gid("User", row.student_id),
            text=row.text,
            submitted_at=row.submitted_at,
            is_late=row.is_late,
            points_awarded=_float(row.points_awarded),
            late_penalty_points=float(row.late_penalty_points),
            feedback=row.feedback,
            rubric_scores=[
                RubricScore(criterion=s["criterion"], points=float(s["points"]))
                for s in row.rubric_scores or []
            ],
            status=m.SubmissionStatus(row.grading_status),
            graded_at=row.graded_at,
            revision_number=row.revision_number,
            parent_submission_id=gid("AssignmentSubmission", parent) if parent else None,
            model=row,
        )

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> list[m.AssignmentSubmission | None]:
        return await info.context.loaders.assessments.submissions.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[m.AssignmentSubmission | None]
    ) -> list[m.AssignmentSubmission | None]:
        """Its student and the course's teachers."""
        assignments = await info.context.loaders.assessments.assignments.load_many(
            [r.assignment_id if r else NOWHERE for r in rows]
        )
        course_ids = await lesson_courses(info, [a.lesson_id if a else None for a in assignments])
        return await own_or_taught(info, rows, course_ids, lambda row: row.student_id)

    @strawberry.field(description="The files handed in, in upload order.")
    async def files(self, info: Info) -> list[SubmissionFile]:
        rows = await info.context.loaders.assessments.submission_files.load(self.model.id)
        return [SubmissionFile.from_model(r) for r in rows]
