"""Inputs and payloads of the quiz mutations (conversion rules: `schema.core.inputs`)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.assessments import models
from app.assessments.grading import AnswerGrade
from schema.assessments.questions import QuestionConfigInput, QuizAnswerInput
from schema.assessments.quizzes import Quiz, QuizAttempt, QuizQuestion
from schema.core.inputs import Input, node_id, update
from schema.core.mutation import Payload

# --- authoring -----------------------------------------------------------------------------------


@strawberry.input
class CreateQuizInput(Input):
    lesson_id: strawberry.ID = node_id("Lesson", description="A lesson of type QUIZ.")
    title: str
    description: str | None = None
    quiz_type: models.QuizType = models.QuizType.FORMATIVE
    time_limit_minutes: int | None = strawberry.field(
        default=None, description="1 to 1440; null: untimed."
    )
    passing_score_percentage: int = 70
    max_attempts: int = strawberry.field(default=0, description="0 to 100; 0: unlimited.")
    randomize_questions: bool = False
    randomize_options: bool = False
    show_correct_answers: bool = True
    show_explanations: bool = True
    available_from: datetime | None = None
    available_until: datetime | None = None
    score_policy: models.ScorePolicy = models.ScorePolicy.BEST


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateQuizInput(Input):
    quiz_id: strawberry.ID = node_id("Quiz")
    title: str | None = update(nullable=False)
    description: str | None = update()
    quiz_type: models.QuizType | None = update(nullable=False)
    time_limit_minutes: int | None = update()
    passing_score_percentage: int | None = update(nullable=False)
    max_attempts: int | None = update(nullable=False)
    randomize_questions: bool | None = update(nullable=False)
    randomize_options: bool | None = update(nullable=False)
    show_correct_answers: bool | None = update(nullable=False)
    show_explanations: bool | None = update(nullable=False)
    available_from: datetime | None = update()
    available_until: datetime | None = update()
    score_policy: models.ScorePolicy | None = update(nullable=False)


@strawberry.input(description="A question of any type: `config` decides the type.")
class AddQuestionInput(Input):
    quiz_id: strawberry.ID = node_id("Quiz")
    text: str
    config: QuestionConfigInput
    points: int = strawberry.field(default=1, description="1 to 1000.")
    explanation: str | None = None
    media_url: str | None = None
    difficulty: models.Difficulty = models.Difficulty.MEDIUM


@strawberry.input(description="Only the given fields change; the type is fixed.")
class UpdateQuestionInput(Input):
    question_id: strawberry.ID = node_id("QuizQuestion")
    text: str | None = update(nullable=False)
    config: QuestionConfigInput | None = update(
        nullable=False,
        description="Replaces the options and the answer key; of the question's own type.",
    )
    points: int | None = update(nullable=False)
    explanation: str | None = update()
    media_url: str | None = update()
    difficulty: models.Difficulty | None = update(nullable=False)


@strawberry.input
class DeleteQuestionInput(Input):
    question_id: strawberry.ID = node_id("QuizQuestion")


@strawberry.input
class ReorderQuestionsInput(Input):
    quiz_id: strawberry.ID = node_id("Quiz")
    question_ids: list[strawberry.ID] = node_id(
        "QuizQuestion", description="Every question of the quiz, once, in the new order."
    )


# --- taking and grading --------------------------------------------------------------------------


@strawberry.input
class StartQuizAttemptInput(Input):
    quiz_id: strawberry.ID = node_id("Quiz")


@strawberry.input
class SaveQuizAnswerInput(Input):
    attempt_id: strawberry.ID = node_id("QuizAttempt")
    question_id: strawberry.ID = node_id("QuizQuestion")
    answer: QuizAnswerInput


@strawberry.input
class SubmitQuizAttemptInput(Input):
    attempt_id: strawberry.ID = node_id("QuizAttempt")


@strawberry.input
class AnswerGradeInput(Input):
    question_id: strawberry.ID = node_id("QuizQuestion")
    points_awarded: float = strawberry.field(description="0 to the question's points.")
    feedback: str | None = None

    into = AnswerGrade


@strawberry.input
class GradeQuizAttemptInput(Input):
    attempt_id: strawberry.ID = node_id("QuizAttempt")
    answers: list[AnswerGradeInput] = strawberry.field(
        description="Points for every answered essay and short answer (others may be overridden)."
    )
    feedback: str | None = None


# --- payloads ------------------------------------------------------------------------------------


@strawberry.type
class QuizPayload(Payload):
    quiz: Quiz | None = None


@strawberry.type
class QuestionPayload(Payload):
    question: QuizQuestion | None = None


@strawberry.type
class DeleteQuestionPayload(Payload):
    deleted_question_id: strawberry.ID | None = None
    quiz: Quiz | None = None


@strawberry.type
class ReorderQuestionsPayload(Payload):
    questions: list[QuizQuestion] | None = None


@strawberry.type
class QuizAttemptPayload(Payload):
    attempt: QuizAttempt | None = None
