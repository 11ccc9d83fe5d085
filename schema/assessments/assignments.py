"""GraphQL types of assignments, course exams and the gradebook.

Assignments, exams and their submissions are relay Nodes; `node(id)` returns them only to whom
the services show them (the course's teachers and admins, enrolled students, a submission's own
student) and null to anyone else. Points and scores are floats (two decimals).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.relay import to_base64

from app.assessments import assignments as assignment_service
from app.assessments import coursework
from app.assessments import exams as exam_service
from app.assessments import gradebook as gradebook_service
from app.assessments import models as m
from app.errors import DomainError
from schema.core.auth import actor_of, current_user
from schema.core.context import Info
from schema.core.relay import decode_uuid

strawberry.enum(m.SubmissionStatus, name="AssignmentSubmissionStatus")
strawberry.enum(m.ExamSubmissionStatus, name="ExamSubmissionStatus")


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


async def _visible(
    info: Info, node_ids: Iterable[str], fetch: Callable[..., Awaitable[Any]], convert: Any
) -> list[Any]:
    """Each id's object when the viewer may see it, else None."""
    user = await current_user(info)
    if user is None:
        return [None for _ in node_ids]
    actor = actor_of(info.context, user)
    found: list[Any] = []
    async with info.context.db.session() as session:
        for node_id in node_ids:
            key = decode_uuid(node_id)
            try:
                row = await fetch(session, actor, key) if key else None
            except DomainError:
                row = None
            found.append(convert(row) if row is not None else None)
    return found


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
    file_asset_id: strawberry.ID
    file_name: str
    content_type: str
    size_bytes: int

    @classmethod
    def from_model(cls, row: Any) -> SubmissionFile:
        return cls(
            file_asset_id=strawberry.ID(to_base64("FileAsset", str(row.file_asset_id))),
            file_name=row.file_name,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
        )


@strawberry.type(description="Written or file work on an assignment lesson, graded by a rubric.")
class Assignment(relay.Node):
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
    def from_model(cls, row: m.Assignment) -> Assignment:
        return cls(
            id=str(row.id),
            lesson_id=strawberry.ID(to_base64("Lesson", str(row.lesson_id))),
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
            rubric=[RubricCriterion(**c) for c in row.rubric or []],
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Assignment | None]:
        async def fetch(session: Any, actor: Any, key: uuid.UUID) -> m.Assignment:
            return await assignment_service.get_assignment(session, user=actor, assignment_id=key)

        return await _visible(info, node_ids, fetch, cls.from_model)


@strawberry.type(description="A student's submission; a revision links to the one it revises.")
class AssignmentSubmission(relay.Node):
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
    files: list[SubmissionFile]

    @classmethod
    def from_model(
        cls, row: m.AssignmentSubmission, files: Iterable[Any] = ()
    ) -> AssignmentSubmission:
        parent = row.parent_submission_id
        return cls(
            id=str(row.id),
            assignment_id=strawberry.ID(to_base64("Assignment", str(row.assignment_id))),
            student_id=strawberry.ID(to_base64("User", str(row.student_id))),
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
            parent_submission_id=(
                strawberry.ID(to_base64("AssignmentSubmission", str(parent))) if parent else None
            ),
            files=[SubmissionFile.from_model(f) for f in files],
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[AssignmentSubmission | None]:
        async def fetch(session: Any, actor: Any, key: uuid.UUID) -> Any:
            row = await assignment_service.get_submission(session, user=actor, submission_id=key)
            return row, (await coursework.files_of(session, [row.id]))[0]

        return await _visible(info, node_ids, fetch, lambda pair: cls.from_model(*pair))


@strawberry.type(description="Material for an exam: a link or a file (signed, expiring URL).")
class ExamResource:
    file_name: str
    description: str | None
    content_type: str | None
    url: str | None


@strawberry.type(description="A timed, attempts-limited course exam.")
class Exam(relay.Node):
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

    @classmethod
    def from_model(cls, row: m.Exam) -> Exam:
        return cls(
            id=str(row.id),
            course_id=strawberry.ID(to_base64("Course", str(row.course_id))),
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
        )

    @strawberry.field(description="Links and files for the exam.")
    async def resources(self, info: Info) -> list[ExamResource]:
        ctx = info.context
        async with ctx.db.session() as session:
            rows = await exam_service.resources_of(session, uuid.UUID(self.id))
            urls = await exam_service.resource_urls(session, ctx.storage, rows)
        return [
            ExamResource(
                file_name=r.file_name,
                description=r.description,
                content_type=r.content_type,
                url=url,
            )
            for r, url in zip(rows, urls, strict=True)
        ]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Exam | None]:
        async def fetch(session: Any, actor: Any, key: uuid.UUID) -> m.Exam:
            return await exam_service.get_exam(session, user=actor, exam_id=key)

        return await _visible(info, node_ids, fetch, cls.from_model)


@strawberry.type(description="One attempt at an exam; the deadline is kept by the server.")
class ExamSubmission(relay.Node):
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
    files: list[SubmissionFile]

    @classmethod
    def from_model(cls, row: m.ExamSubmission, files: Iterable[Any] = ()) -> ExamSubmission:
        return cls(
            id=str(row.id),
            exam_id=strawberry.ID(to_base64("Exam", str(row.exam_id))),
            attempt_number=row.attempt_number,
            status=m.ExamSubmissionStatus(row.status),
            started_at=row.started_at,
            deadline_at=row.deadline_at,
            submitted_at=row.submitted_at,
            score=_float(row.score),
            is_passed=row.is_passed,
            feedback=row.feedback,
            notes=row.notes,
            graded_at=row.graded_at,
            files=[SubmissionFile.from_model(f) for f in files],
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ExamSubmission | None]:
        async def fetch(session: Any, actor: Any, key: uuid.UUID) -> Any:
            row = await exam_service.get_exam_submission(session, user=actor, submission_id=key)
            return row, (await coursework.files_of(session, [row.id], exam=True))[0]

        return await _visible(info, node_ids, fetch, lambda pair: cls.from_model(*pair))


# --- gradebook -----------------------------------------------------------------------------------


@strawberry.enum(description="The kind of assessment a gradebook column shows.")
class AssessmentKind(Enum):
    QUIZ = "quiz"
    ASSIGNMENT = "assignment"
    EXAM = "exam"


@strawberry.type
class GradebookColumn:
    kind: AssessmentKind
    assessment_id: strawberry.ID = strawberry.field(description="A Quiz, Assignment or Exam id.")
    title: str


@strawberry.type
class GradebookCell:
    score_percentage: float | None = strawberry.field(description="Best score, 0-100.")
    status: str = strawberry.field(
        description="not_started, in_progress, submitted, pending_review, under_review, graded, "
        "revision_requested, revision_required, passed or failed."
    )


@strawberry.type
class GradebookRow:
    student_id: strawberry.ID
    name: str
    email: str
    enrollment_status: str
    cells: list[GradebookCell] = strawberry.field(description="In the order of `columns`.")


_TYPE_NAMES = {"quiz": "Quiz", "assignment": "Assignment", "exam": "Exam"}


@strawberry.type(description="Every enrolled student by every assessment of a course.")
class Gradebook:
    course_id: strawberry.ID
    columns: list[GradebookColumn]
    rows: list[GradebookRow]
    book: strawberry.Private[gradebook_service.Gradebook]

    @classmethod
    def from_book(cls, book: gradebook_service.Gradebook) -> Gradebook:
        return cls(
            course_id=strawberry.ID(to_base64("Course", str(book.course_id))),
            columns=[
                GradebookColumn(
                    kind=AssessmentKind(c.kind),
                    assessment_id=strawberry.ID(to_base64(_TYPE_NAMES[c.kind], str(c.id))),
                    title=c.title,
                )
                for c in book.columns
            ],
            rows=[
                GradebookRow(
                    student_id=strawberry.ID(to_base64("User", str(r.student_id))),
                    name=r.name,
                    email=r.email,
                    enrollment_status=r.enrollment_status,
                    cells=[
                        GradebookCell(score_percentage=_float(c.score_percentage), status=c.status)
                        for c in r.cells
                    ],
                )
                for r in book.rows
            ],
            book=book,
        )

    @strawberry.field(
        description="A signed download URL of this gradebook as CSV; it expires in 15 minutes."
    )
    async def csv_url(self, info: Info) -> str:
        return await gradebook_service.export_csv(info.context.storage, self.book)
