"""Inputs and payloads of the assignment, exam and gradebook mutations.

Ids are relay global ids of the named type; one that does not decode or names another type
fails like an unknown id. Update inputs change only the fields given; null clears the optional
ones (description, dueAt, rubric, instructions, availability bounds).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from app.errors import FieldError, collect
from schema.assessments.assignments import (
    Assignment,
    AssignmentSubmission,
    Exam,
    ExamResource,
    ExamSubmission,
)
from schema.core.mutation import UserError
from schema.core.relay import node_uuid
from schema.media import UploadTicket

ID_TYPES = {
    "lesson_id": "Lesson",
    "course_id": "Course",
    "assignment_id": "Assignment",
    "submission_id": "AssignmentSubmission",
    "exam_id": "Exam",
    "file_asset_id": "FileAsset",
    "file_asset_ids": "FileAsset",
}
EXAM_SUBMISSION_INPUTS = ("SubmitExamInput", "GradeExamInput")
NOT_NULL = frozenset(
    {
        "title",
        "late_submission_allowed",
        "late_penalty_percentage",
        "max_points",
        "requires_file_upload",
        "allowed_file_types",
        "max_file_size_mb",
        "duration_minutes",
        "total_marks",
        "passing_marks",
        "attempts_limit",
        "is_final",
    }
)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _decode(name: str, value: Any, owner: str) -> Any:
    type_name = ID_TYPES.get(name)
    if name == "submission_id" and owner in EXAM_SUBMISSION_INPUTS:
        type_name = "ExamSubmission"
    if type_name is None or value is None:
        return value
    if isinstance(value, list):
        return [node_uuid(v, type_name) for v in value]
    return node_uuid(value, type_name)


class _Arguments:
    """`arguments()`: the given fields as service keyword arguments, ids decoded."""

    def arguments(self, not_null: frozenset[str] = frozenset()) -> dict[str, Any]:
        given = {k: v for k, v in vars(self).items() if v is not strawberry.UNSET}
        collect(
            [
                FieldError(_camel(k), "This field cannot be empty", "REQUIRED")
                for k, v in given.items()
                if v is None and k in not_null
            ]
        )
        owner = type(self).__name__
        return {k: _decode(k, v, owner) for k, v in given.items()}


class _Changes(_Arguments):
    def arguments(self, not_null: frozenset[str] = NOT_NULL) -> dict[str, Any]:
        args = super().arguments(not_null)
        if args.get("instructions", "") is None and "assignment_id" in args:
            raise_required("instructions")
        return args


def raise_required(field: str) -> None:
    collect([FieldError(_camel(field), "This field cannot be empty", "REQUIRED")])


@strawberry.input
class RubricCriterionInput:
    criterion: str
    points: int
    description: str | None = None


@strawberry.input
class RubricScoreInput:
    criterion: str
    points: float


def _rubric(value: Any) -> Any:
    if value is None or value is strawberry.UNSET:
        return value
    return [
        {"criterion": c.criterion, "points": c.points, "description": c.description} for c in value
    ]


# --- assignments ---------------------------------------------------------------------------------


@strawberry.input
class CreateAssignmentInput(_Arguments):
    lesson_id: strawberry.ID = strawberry.field(description="A lesson of type ASSIGNMENT.")
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

    def arguments(self, not_null: frozenset[str] = frozenset()) -> dict[str, Any]:
        args = super().arguments(not_null)
        args["rubric"] = _rubric(args.get("rubric"))
        return args


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateAssignmentInput(_Changes):
    assignment_id: strawberry.ID
    title: str | None = strawberry.UNSET
    instructions: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    due_at: datetime | None = strawberry.UNSET
    late_submission_allowed: bool | None = strawberry.UNSET
    late_penalty_percentage: int | None = strawberry.UNSET
    max_points: int | None = strawberry.UNSET
    requires_file_upload: bool | None = strawberry.UNSET
    allowed_file_types: list[str] | None = strawberry.UNSET
    max_file_size_mb: int | None = strawberry.UNSET
    rubric: list[RubricCriterionInput] | None = strawberry.UNSET

    def arguments(self, not_null: frozenset[str] = NOT_NULL) -> dict[str, Any]:
        args = super().arguments(not_null)
        if "rubric" in args:
            args["rubric"] = _rubric(args["rubric"])
        return args


@strawberry.input
class RequestAssignmentUploadInput(_Arguments):
    assignment_id: strawberry.ID
    file_name: str
    content_type: str
    size: int = strawberry.field(description="Bytes.")


@strawberry.input
class SubmitAssignmentInput(_Arguments):
    assignment_id: strawberry.ID
    text: str | None = None
    file_asset_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Uploads from requestAssignmentUpload."
    )


@strawberry.input
class GradeAssignmentInput(_Arguments):
    submission_id: strawberry.ID
    points_awarded: float | None = strawberry.field(
        default=None, description="Before the late penalty; default: the rubric scores' sum."
    )
    rubric_scores: list[RubricScoreInput] = strawberry.field(default_factory=list)
    feedback: str | None = None

    def arguments(self, not_null: frozenset[str] = frozenset()) -> dict[str, Any]:
        args = super().arguments(not_null)
        points = args.get("points_awarded")
        args["points_awarded"] = None if points is None else Decimal(str(points))
        args["rubric_scores"] = [
            {"criterion": s.criterion, "points": s.points} for s in args.get("rubric_scores", [])
        ]
        return args


@strawberry.input
class RequestRevisionInput(_Arguments):
    submission_id: strawberry.ID
    feedback: str


@strawberry.type
class AssignmentPayload:
    errors: list[UserError]
    assignment: Assignment | None = None


@strawberry.type
class AssignmentUploadPayload:
    errors: list[UserError]
    upload: UploadTicket | None = None


@strawberry.type
class AssignmentSubmissionPayload:
    errors: list[UserError]
    submission: AssignmentSubmission | None = None


# --- exams ---------------------------------------------------------------------------------------


@strawberry.input
class CreateExamInput(_Arguments):
    course_id: strawberry.ID
    title: str
    duration_minutes: int
    description: str | None = None
    instructions: str | None = None
    total_marks: int = 100
    passing_marks: int = 70
    attempts_limit: int = strawberry.field(default=3, description="0: no cap.")
    is_final: bool = False
    available_from: datetime | None = None
    available_until: datetime | None = None


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateExamInput(_Changes):
    exam_id: strawberry.ID
    title: str | None = strawberry.UNSET
    duration_minutes: int | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    instructions: str | None = strawberry.UNSET
    total_marks: int | None = strawberry.UNSET
    passing_marks: int | None = strawberry.UNSET
    attempts_limit: int | None = strawberry.UNSET
    is_final: bool | None = strawberry.UNSET
    available_from: datetime | None = strawberry.UNSET
    available_until: datetime | None = strawberry.UNSET


@strawberry.input(description="A link (url) or an uploaded file (fileAssetId), exactly one.")
class AddExamResourceInput(_Arguments):
    exam_id: strawberry.ID
    file_name: str
    description: str | None = None
    url: str | None = None
    file_asset_id: strawberry.ID | None = None


@strawberry.input
class StartExamInput(_Arguments):
    exam_id: strawberry.ID


@strawberry.input
class SubmitExamInput(_Arguments):
    submission_id: strawberry.ID = strawberry.field(description="An ExamSubmission id.")
    notes: str | None = None
    file_asset_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input
class GradeExamInput(_Arguments):
    submission_id: strawberry.ID = strawberry.field(description="An ExamSubmission id.")
    score: float
    feedback: str | None = None
    require_revision: bool = False

    def arguments(self, not_null: frozenset[str] = frozenset()) -> dict[str, Any]:
        args = super().arguments(not_null)
        args["score"] = Decimal(str(args["score"]))
        return args


@strawberry.type
class ExamPayload:
    errors: list[UserError]
    exam: Exam | None = None


@strawberry.type
class ExamResourcePayload:
    errors: list[UserError]
    resource: ExamResource | None = None


@strawberry.type
class ExamSubmissionPayload:
    errors: list[UserError]
    submission: ExamSubmission | None = None
