"""Inputs and payloads of the quiz mutations.

`arguments()` turns an input into its service's keyword arguments: ids are relay global ids of
the named type (anything else fails like an unknown id), omitted update fields are left out (the
service keeps them), and null is refused for fields that cannot be empty. Date-times without a
zone are taken as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON

from app.assessments import models
from app.assessments.grading import AnswerGrade
from app.errors import FieldError, collect
from schema.assessments.quizzes import Quiz, QuizAttempt, QuizQuestion
from schema.core.mutation import UserError
from schema.core.relay import node_uuid

ID_TYPES = {
    "lesson_id": "Lesson",
    "quiz_id": "Quiz",
    "question_id": "QuizQuestion",
    "question_ids": "QuizQuestion",
    "attempt_id": "QuizAttempt",
}
NOT_NULL = frozenset(
    {
        "title",
        "quiz_type",
        "passing_score_percentage",
        "max_attempts",
        "randomize_questions",
        "randomize_options",
        "show_correct_answers",
        "show_explanations",
        "score_policy",
        "text",
        "points",
        "difficulty",
    }
)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _convert(name: str, value: Any) -> Any:
    type_name = ID_TYPES.get(name)
    if type_name is not None:
        if isinstance(value, list):
            return [node_uuid(v, type_name) for v in value]
        return node_uuid(value, type_name)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def arguments(values: dict[str, Any]) -> dict[str, Any]:
    given = {k: v for k, v in values.items() if v is not strawberry.UNSET}
    collect(
        [
            FieldError(_camel(name), "This field cannot be empty", "REQUIRED")
            for name, value in given.items()
            if value is None and name in NOT_NULL
        ]
    )
    return {name: _convert(name, value) for name, value in given.items()}


class _Arguments:
    def arguments(self) -> dict[str, Any]:
        return arguments(dict(vars(self)))


# --- authoring -----------------------------------------------------------------------------------


@strawberry.input
class CreateQuizInput(_Arguments):
    lesson_id: strawberry.ID = strawberry.field(description="A lesson of type QUIZ.")
    title: str
    description: str | None = None
    quiz_type: models.QuizType = models.QuizType.FORMATIVE
    time_limit_minutes: int | None = strawberry.field(default=None, description="Null: untimed.")
    passing_score_percentage: int = 70
    max_attempts: int = strawberry.field(default=0, description="0: unlimited.")
    randomize_questions: bool = False
    randomize_options: bool = False
    show_correct_answers: bool = True
    show_explanations: bool = True
    available_from: datetime | None = None
    available_until: datetime | None = None
    score_policy: models.ScorePolicy = models.ScorePolicy.BEST


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateQuizInput(_Arguments):
    quiz_id: strawberry.ID
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    quiz_type: models.QuizType | None = strawberry.UNSET
    time_limit_minutes: int | None = strawberry.UNSET
    passing_score_percentage: int | None = strawberry.UNSET
    max_attempts: int | None = strawberry.UNSET
    randomize_questions: bool | None = strawberry.UNSET
    randomize_options: bool | None = strawberry.UNSET
    show_correct_answers: bool | None = strawberry.UNSET
    show_explanations: bool | None = strawberry.UNSET
    available_from: datetime | None = strawberry.UNSET
    available_until: datetime | None = strawberry.UNSET
    score_policy: models.ScorePolicy | None = strawberry.UNSET


@strawberry.input(description="Answer-key shapes per type: see the QuestionType docs.")
class AddQuestionInput(_Arguments):
    quiz_id: strawberry.ID
    type: models.QuestionType
    text: str
    points: int = 1
    options: JSON | None = None
    correct_answer: JSON | None = None
    explanation: str | None = None
    media_url: str | None = None
    difficulty: models.Difficulty = models.Difficulty.MEDIUM


@strawberry.input(description="Only the given fields change; the type is fixed.")
class UpdateQuestionInput(_Arguments):
    question_id: strawberry.ID
    text: str | None = strawberry.UNSET
    points: int | None = strawberry.UNSET
    options: JSON | None = strawberry.UNSET
    correct_answer: JSON | None = strawberry.UNSET
    explanation: str | None = strawberry.UNSET
    media_url: str | None = strawberry.UNSET
    difficulty: models.Difficulty | None = strawberry.UNSET


@strawberry.input
class DeleteQuestionInput(_Arguments):
    question_id: strawberry.ID


@strawberry.input
class ReorderQuestionsInput(_Arguments):
    quiz_id: strawberry.ID
    question_ids: list[strawberry.ID] = strawberry.field(description="Every question, once.")


# --- taking and grading --------------------------------------------------------------------------


@strawberry.input
class StartQuizAttemptInput(_Arguments):
    quiz_id: strawberry.ID


@strawberry.input
class SaveQuizAnswerInput(_Arguments):
    attempt_id: strawberry.ID
    question_id: strawberry.ID
    answer: JSON = strawberry.field(description="Shape depends on the question type.")


@strawberry.input
class SubmitQuizAttemptInput(_Arguments):
    attempt_id: strawberry.ID


@strawberry.input
class AnswerGradeInput:
    question_id: strawberry.ID
    points_awarded: float
    feedback: str | None = None


@strawberry.input
class GradeQuizAttemptInput:
    attempt_id: strawberry.ID
    answers: list[AnswerGradeInput]
    feedback: str | None = None

    def arguments(self) -> dict[str, Any]:
        return {
            "attempt_id": node_uuid(self.attempt_id, "QuizAttempt"),
            "answers": [
                AnswerGrade(
                    question_id=node_uuid(a.question_id, "QuizQuestion"),
                    points_awarded=Decimal(str(a.points_awarded)),
                    feedback=a.feedback,
                )
                for a in self.answers
            ],
            "feedback": self.feedback,
        }


# --- payloads ------------------------------------------------------------------------------------


@strawberry.type
class QuizPayload:
    quiz: Quiz | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class QuestionPayload:
    question: QuizQuestion | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteQuestionPayload:
    deleted_question_id: strawberry.ID | None = None
    quiz: Quiz | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReorderQuestionsPayload:
    questions: list[QuizQuestion] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class QuizAttemptPayload:
    attempt: QuizAttempt | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
