"""GraphQL types of a course's gradebook and its CSV export."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from app.assessments import gradebook as service
from schema.assessments.assignments import gid
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload
from schema.learning.enums import EnrollmentStatus

AssessmentKind = strawberry.enum(
    service.AssessmentKind,
    name="AssessmentKind",
    description="The kind of assessment a gradebook column shows.",
)
GradebookStatus = strawberry.enum(
    service.CellStatus,
    name="GradebookStatus",
    description="Where a student stands on one assessment.",
)
_TYPE_NAMES = {
    service.AssessmentKind.QUIZ: "Quiz",
    service.AssessmentKind.ASSIGNMENT: "Assignment",
    service.AssessmentKind.EXAM: "Exam",
}


@strawberry.type(description="One assessment of the course: a quiz, an assignment or an exam.")
class GradebookColumn:
    kind: service.AssessmentKind
    assessment_id: strawberry.ID = strawberry.field(description="A Quiz, Assignment or Exam id.")
    title: str


@strawberry.type(description="A student's standing on one assessment.")
class GradebookCell:
    score_percentage: float | None = strawberry.field(
        description="The best (quizzes, exams) or latest (assignments) score, 0-100."
    )
    status: service.CellStatus


@strawberry.type(description="One enrolled student and a cell per column.")
class GradebookRow:
    student_id: strawberry.ID = strawberry.field(description="A User id.")
    name: str
    email: str
    enrollment_status: EnrollmentStatus
    cells: list[GradebookCell] = strawberry.field(description="In the order of `columns`.")


@strawberry.type(description="Every enrolled student by every assessment of a course.")
class Gradebook:
    course_id: strawberry.ID
    columns: list[GradebookColumn]
    rows: list[GradebookRow]

    @classmethod
    def from_book(cls, book: service.Gradebook) -> Self:
        return cls(
            course_id=gid("Course", book.course_id),
            columns=[
                GradebookColumn(
                    kind=c.kind, assessment_id=gid(_TYPE_NAMES[c.kind], c.id), title=c.title
                )
                for c in book.columns
            ],
            rows=[
                GradebookRow(
                    student_id=gid("User", r.student_id),
                    name=r.name,
                    email=r.email,
                    enrollment_status=r.enrollment_status,
                    cells=[
                        GradebookCell(
                            score_percentage=(
                                float(c.score_percentage)
                                if c.score_percentage is not None
                                else None
                            ),
                            status=c.status,
                        )
                        for c in r.cells
                    ],
                )
                for r in book.rows
            ],
        )


@strawberry.input
class ExportGradebookInput(Input):
    course_id: strawberry.ID = node_id("Course")


@strawberry.type
class ExportGradebookPayload(Payload):
    url: str | None = strawberry.field(
        default=None, description="A signed download URL of the CSV file."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the URL stops working (15 minutes)."
    )
