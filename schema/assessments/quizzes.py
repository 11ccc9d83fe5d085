"""GraphQL types of quizzes: the authoring view and the student's view of an attempt.

Who sees what (`schema.assessments.access`):
- `Quiz` is visible to whoever sees its lesson's course; its `questions` (with answer keys and
  explanations, type `QuizQuestion`) only to the course's teachers and admins.
- `QuizAttempt` is visible to its student and the course's teachers. Its `questions` (type
  `AttemptQuestion`, in the attempt's order, options in the attempt's order) never carry the
  answer key while the attempt is in progress; after submission `correctAnswer` and
  `explanation` appear when the quiz is configured to show them (always for teachers), and
  points/feedback per answer appear once the attempt is graded.
Every read goes through the request's loaders.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Self

import strawberry
from strawberry import relay

from app.assessments import models
from app.assessments import quiz_shapes as shapes
from schema.assessments.access import (
    admit,
    lesson_courses,
    lesson_seats,
    own_or_taught,
    visible_courses,
)
from schema.assessments.questions import (
    AnswerKey,
    QuestionOptions,
    QuizAnswerValue,
    answer_value,
    key_of,
    options_of,
)
from schema.catalog.types import Lesson
from schema.core.context import Info
from schema.core.relay import NOWHERE, ModelNode

strawberry.enum(models.QuizType, name="QuizType", description="What a quiz is for.")
strawberry.enum(
    models.ScorePolicy, name="QuizScorePolicy", description="Which attempt's score counts."
)
strawberry.enum(models.QuestionType, name="QuestionType", description="Kinds of quiz questions.")
strawberry.enum(models.Difficulty, name="QuestionDifficulty")
strawberry.enum(models.AttemptStatus, name="QuizAttemptStatus")
strawberry.enum(models.GradingStatus, name="QuizGradingStatus")


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def config_of(row: models.Question) -> shapes.QuestionConfig:
    return shapes.config_of(models.QuestionType(row.type), row.options, row.correct_answer)


async def teaches_quiz(info: Info, quiz: models.Quiz) -> bool:
    seat = (await lesson_seats(info, [quiz.lesson_id]))[0]
    return seat is not None and seat.teaches


@strawberry.type(description="A question as its authors see it, answer key included.")
class QuizQuestion(ModelNode):
    id: relay.NodeID[str]
    type: models.QuestionType
    text: str
    media_url: str | None
    points: int
    order_number: int
    difficulty: models.Difficulty
    explanation: str | None
    model: strawberry.Private[models.Question]

    @classmethod
    def from_model(cls, row: models.Question) -> Self:
        return cls(
            id=str(row.id),
            type=models.QuestionType(row.type),
            text=row.text,
            media_url=row.media_url,
            points=row.points,
            order_number=row.order_number,
            difficulty=models.Difficulty(row.difficulty),
            explanation=row.explanation,
            model=row,
        )

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> list[models.Question | None]:
        return await info.context.loaders.assessments.questions_by_id.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.Question | None]
    ) -> list[models.Question | None]:
        """Only the course's teachers see questions with their keys."""
        quizzes = await info.context.loaders.assessments.quizzes.load_many(
            [r.quiz_id if r else NOWHERE for r in rows]
        )
        found = await lesson_seats(info, [q.lesson_id if q else None for q in quizzes])
        return admit(rows, found, lambda row, seat: seat.teaches)

    @strawberry.field(
        description="What students choose from (null for true/false, short answer, essay)."
    )
    def options(self) -> QuestionOptions | None:
        return options_of(config_of(self.model))

    @strawberry.field(description="The answer key (null for essays).")
    def correct_answer(self) -> AnswerKey | None:
        return key_of(config_of(self.model))


@strawberry.type(description="A quiz on a lesson of type QUIZ, with its configuration.")
class Quiz(ModelNode):
    id: relay.NodeID[str]
    title: str
    description: str | None
    quiz_type: models.QuizType
    time_limit_minutes: int | None = strawberry.field(description="Null: untimed.")
    passing_score_percentage: int
    max_attempts: int = strawberry.field(description="0: unlimited.")
    randomize_questions: bool
    randomize_options: bool
    show_correct_answers: bool = strawberry.field(description="Revealed after submission.")
    show_explanations: bool = strawberry.field(description="Revealed after submission.")
    available_from: datetime | None
    available_until: datetime | None
    score_policy: models.ScorePolicy
    model: strawberry.Private[models.Quiz]

    @classmethod
    def from_model(cls, row: models.Quiz) -> Self:
        return cls(
            id=str(row.id),
            title=row.title,
            description=row.description,
            quiz_type=models.QuizType(row.quiz_type),
            time_limit_minutes=row.time_limit_minutes,
            passing_score_percentage=row.passing_score_percentage,
            max_attempts=row.max_attempts,
            randomize_questions=row.randomize_questions,
            randomize_options=row.randomize_options,
            show_correct_answers=row.show_correct_answers,
            show_explanations=row.show_explanations,
            available_from=row.available_from,
            available_until=row.available_until,
            score_policy=models.ScorePolicy(row.score_policy),
            model=row,
        )

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> list[models.Quiz | None]:
        return await info.context.loaders.assessments.quizzes.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.Quiz | None]
    ) -> list[models.Quiz | None]:
        """Whoever sees the course of the quiz's lesson."""
        course_ids = await lesson_courses(info, [r.lesson_id if r else None for r in rows])
        courses = await visible_courses(info, course_ids)
        return [
            row if row is not None and course is not None else None
            for row, course in zip(rows, courses, strict=True)
        ]

    @strawberry.field
    async def lesson(self, info: Info) -> Lesson | None:
        loaders = info.context.loaders.catalog
        row = await loaders.lessons.load(self.model.lesson_id)
        course = await loaders.courses.load(row.course_id) if row is not None else None
        return Lesson.from_model(row, course) if row is not None and course is not None else None

    @strawberry.field(description="How many questions the quiz has.")
    async def question_count(self, info: Info) -> int:
        return len(await info.context.loaders.assessments.questions.load(self.model.id))

    @strawberry.field(description="Sum of the points of its questions.")
    async def total_points(self, info: Info) -> int:
        rows = await info.context.loaders.assessments.questions.load(self.model.id)
        return sum(q.points for q in rows)

    @strawberry.field(description="With answer keys; null unless you teach the course.")
    async def questions(self, info: Info) -> list[QuizQuestion] | None:
        if not await teaches_quiz(info, self.model):
            return None
        rows = await info.context.loaders.assessments.questions.load(self.model.id)
        return [QuizQuestion.from_model(r) for r in rows]


@strawberry.type(description="A question as it appears in an attempt: no answer key while open.")
class AttemptQuestion:
    number: int = strawberry.field(description="1-based position in this attempt.")
    question_id: strawberry.ID = strawberry.field(description="A QuizQuestion global id.")
    type: models.QuestionType
    text: str
    media_url: str | None
    points: int
    options: QuestionOptions | None = strawberry.field(
        description="In this attempt's order; null for true/false, short answer and essay."
    )
    answer: QuizAnswerValue | None = strawberry.field(description="Your saved answer, if any.")
    is_correct: bool | None = strawberry.field(description="After grading.")
    points_awarded: float | None = strawberry.field(description="After grading.")
    feedback: str | None = strawberry.field(description="The grader's, after grading.")
    correct_answer: AnswerKey | None = strawberry.field(
        description="After submission, when the quiz shows answers (always to teachers)."
    )
    explanation: str | None = strawberry.field(
        description="After submission, when the quiz shows explanations (always to teachers)."
    )


@strawberry.type(description="One try at a quiz by a student.")
class QuizAttempt(ModelNode):
    id: relay.NodeID[str]
    attempt_number: int
    status: models.AttemptStatus
    started_at: datetime
    deadline_at: datetime | None = strawberry.field(description="Null: no time limit.")
    submitted_at: datetime | None
    time_taken_seconds: int | None
    score_percentage: float | None = strawberry.field(description="Null until graded.")
    points_earned: float | None
    points_possible: int | None
    passed: bool | None
    grading_status: models.GradingStatus | None
    feedback: str | None
    graded_at: datetime | None
    model: strawberry.Private[models.QuizAttempt]

    @classmethod
    def from_model(cls, row: models.QuizAttempt) -> Self:
        return cls(
            id=str(row.id),
            attempt_number=row.attempt_number,
            status=models.AttemptStatus(row.status),
            started_at=row.started_at,
            deadline_at=row.deadline_at,
            submitted_at=row.submitted_at,
            time_taken_seconds=row.time_taken_seconds,
            score_percentage=_float(row.score_percentage),
            points_earned=_float(row.points_earned),
            points_possible=row.points_possible,
            passed=row.is_passed,
            grading_status=models.GradingStatus(row.grading_status) if row.grading_status else None,
            feedback=row.feedback,
            graded_at=row.graded_at,
            model=row,
        )

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> list[models.QuizAttempt | None]:
        return await info.context.loaders.assessments.attempts.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.QuizAttempt | None]
    ) -> list[models.QuizAttempt | None]:
        """Its student and the course's teachers."""
        quizzes = await info.context.loaders.assessments.quizzes.load_many(
            [r.quiz_id if r else NOWHERE for r in rows]
        )
        course_ids = await lesson_courses(info, [q.lesson_id if q else None for q in quizzes])
        return await own_or_taught(info, rows, course_ids, lambda row: row.student_id)

    @strawberry.field
    async def quiz(self, info: Info) -> Quiz | None:
        row = await info.context.loaders.assessments.quizzes.load(self.model.quiz_id)
        return Quiz.from_model(row) if row is not None else None

    @strawberry.field(description="The attempt's questions in its order, with your answers.")
    async def questions(self, info: Info) -> list[AttemptQuestion]:
        loaders = info.context.loaders.assessments
        quiz = await loaders.quizzes.load(self.model.quiz_id)
        if quiz is None:
            return []
        teacher = await teaches_quiz(info, quiz)
        by_id = {q.id: q for q in await loaders.questions.load(quiz.id)}
        answers = {a.question_id: a for a in await loaders.answers.load(self.model.id)}
        finished = self.model.status != models.AttemptStatus.IN_PROGRESS
        graded = self.model.grading_status in (
            models.GradingStatus.AUTO_GRADED,
            models.GradingStatus.GRADED,
        )
        show_key = teacher or (finished and quiz.show_correct_answers)
        show_why = teacher or (finished and quiz.show_explanations)
        found: list[AttemptQuestion] = []
        for raw in self.model.question_order:
            row = by_id.get(uuid.UUID(raw))
            if row is None:
                continue
            kind = models.QuestionType(row.type)
            config = config_of(row)
            saved = answers.get(row.id)
            marked = saved if saved is not None and (graded or teacher) else None
            found.append(
                AttemptQuestion(
                    number=len(found) + 1,
                    question_id=strawberry.ID(str(relay.GlobalID("QuizQuestion", raw))),
                    type=kind,
                    text=row.text,
                    media_url=row.media_url,
                    points=row.points,
                    options=options_of(config, self.model.option_order.get(raw)),
                    answer=answer_value(shapes.answer_of(kind, saved.answer)) if saved else None,
                    is_correct=marked.is_correct if marked else None,
                    points_awarded=_float(marked.points_awarded) if marked else None,
                    feedback=marked.feedback if marked else None,
                    correct_answer=key_of(config) if show_key else None,
                    explanation=row.explanation if show_why else None,
                )
            )
        return found
