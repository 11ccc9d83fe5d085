"""Inputs and payloads of the assignment mutations (conversion rules: `schema.core.inputs`)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.assessments import assignments
from schema.assessments.assignments import Assignment, AssignmentSubmission
from schema.core.inputs import Input, node_id, update
from schema.core.mutation import Payload
from schema.media import UploadTicket


@strawberry.input(description="One criterion of a rubric; the criteria add up to maxPoints.")
class RubricCriterionInput(Input):
    criterion: str
    points: int
    description: str | None = None

    into = assignments.RubricCriterion


@strawberry.input(description="Points for one criterion of the assignment's rubric.")
class RubricScoreInput(Input):
    criterion: str
    points: float

    into = assignments.RubricScore


@strawberry.input
class CreateAssignmentInput(Input):
    lesson_id: strawberry.ID = node_id("Lesson", description="A lesson of type ASSIGNMENT.")
    title: str
    instructions: str
    description: str | None = None
    due_at: datetime | None = None
    late_submission_allowed: bool = False
    late_penalty_percentage: int = 0
    max_points: int = 100
    requires_file_upload: bool = True
    allowed_file_types: list[str] = strawberry.field(
        default_factory=list,
        description="Extensions (`pdf`, `.docx`) and/or MIME types (`application/pdf`); "
        "empty allows any type.",
    )
    max_file_size_mb: int = 10
    rubric: list[RubricCriterionInput] | None = strawberry.field(
        default=None, description="Criteria whose points add up to maxPoints."
    )


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateAssignmentInput(Input):
    assignment_id: strawberry.ID = node_id("Assignment")
    title: str | None = update(nullable=False)
    instructions: str | None = update(nullable=False)
    description: str | None = update()
    due_at: datetime | None = update()
    late_submission_allowed: bool | None = update(nullable=False)
    late_penalty_percentage: int | None = update(nullable=False)
    max_points: int | None = update(nullable=False)
    requires_file_upload: bool | None = update(nullable=False)
    allowed_file_types: list[str] | None = update(nullable=False)
    max_file_size_mb: int | None = update(nullable=False)
    rubric: list[RubricCriterionInput] | None = update()


@strawberry.input
class RequestAssignmentUploadInput(Input):
    assignment_id: strawberry.ID = node_id("Assignment")
    file_name: str
    content_type: str
    size: int = strawberry.field(description="Bytes.")


@strawberry.input
class SubmitAssignmentInput(Input):
    assignment_id: strawberry.ID = node_id("Assignment")
    text: str | None = None
    file_ids: list[strawberry.ID] | None = node_id(
        "FileAsset", default=None, description="Uploads from requestAssignmentUpload (at most 10)."
    )


@strawberry.input
class GradeAssignmentInput(Input):
    submission_id: strawberry.ID = node_id("AssignmentSubmission")
    points_awarded: float | None = strawberry.field(
        default=None, description="Before the late penalty; default: the rubric scores' sum."
    )
    rubric_scores: list[RubricScoreInput] = strawberry.field(default_factory=list)
    feedback: str | None = None


@strawberry.input
class RequestRevisionInput(Input):
    submission_id: strawberry.ID = node_id("AssignmentSubmission")
    feedback: str = strawberry.field(description="What the student should revise.")


@strawberry.type
class AssignmentPayload(Payload):
    assignment: Assignment | None = None


@strawberry.type
class AssignmentUploadPayload(Payload):
    upload: UploadTicket | None = None


@strawberry.type
class AssignmentSubmissionPayload(Payload):
    submission: AssignmentSubmission | None = None
