"""Inputs and payloads of the exam mutations (conversion rules: `schema.core.inputs`)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.assessments.exams import Exam, ExamResource, ExamSubmission
from schema.core.inputs import Input, node_id, update
from schema.core.mutation import Payload


@strawberry.input
class CreateExamInput(Input):
    course_id: strawberry.ID = node_id("Course")
    title: str
    duration_minutes: int = strawberry.field(description="1 to 1440.")
    description: str | None = None
    instructions: str | None = None
    total_marks: int = 100
    passing_marks: int = 70
    attempts_limit: int = strawberry.field(default=3, description="0 to 100; 0: no cap.")
    is_final: bool = False
    available_from: datetime | None = None
    available_until: datetime | None = None


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateExamInput(Input):
    exam_id: strawberry.ID = node_id("Exam")
    title: str | None = update(nullable=False)
    duration_minutes: int | None = update(nullable=False)
    description: str | None = update()
    instructions: str | None = update()
    total_marks: int | None = update(nullable=False)
    passing_marks: int | None = update(nullable=False)
    attempts_limit: int | None = update(nullable=False)
    is_final: bool | None = update(nullable=False)
    available_from: datetime | None = update()
    available_until: datetime | None = update()


@strawberry.input(description="A link (url) or a finished upload (fileId): exactly one.")
class AddExamResourceInput(Input):
    exam_id: strawberry.ID = node_id("Exam")
    file_name: str = strawberry.field(description="What students see it as.")
    description: str | None = None
    url: str | None = None
    file_id: strawberry.ID | None = node_id(
        "FileAsset", default=None, description="An upload of yours for EXAM_RESOURCE."
    )


@strawberry.input
class StartExamInput(Input):
    exam_id: strawberry.ID = node_id("Exam")


@strawberry.input
class SubmitExamInput(Input):
    submission_id: strawberry.ID = node_id("ExamSubmission")
    notes: str | None = None
    file_ids: list[strawberry.ID] | None = node_id(
        "FileAsset", default=None, description="Uploads for EXAM_SUBMISSION (at most 10)."
    )


@strawberry.input
class GradeExamInput(Input):
    submission_id: strawberry.ID = node_id("ExamSubmission")
    score: float = strawberry.field(description="0 to the exam's total marks.")
    feedback: str | None = strawberry.field(
        default=None, description="Required when sending the attempt back."
    )
    require_revision: bool = strawberry.field(
        default=False, description="Send the attempt back: it does not count against the limit."
    )


@strawberry.type
class ExamPayload(Payload):
    exam: Exam | None = None


@strawberry.type
class ExamResourcePayload(Payload):
    resource: ExamResource | None = None


@strawberry.type
class ExamSubmissionPayload(Payload):
    submission: ExamSubmission | None = None
