"""GraphQL types of quizzes: the authoring view and the student's view of an attempt.

Who sees what:
- `Quiz` is visible to whoever sees its lesson's course; its `questions` (with correct answers
  and explanations, type `QuizQuestion`) only to the course's teachers and admins.
- `QuizAttempt` is visible to its student and the course's teachers. Its `questions` (type
  `AttemptQuestion`, in the attempt's order, options in the attempt's order) never carry the
  answer key while the attempt is in progress; after submission `correctAnswer` and
  `explanation` appear when the quiz is configured to show them (always for teachers), and
  points/feedback per answer appear once the attempt is graded.
Answer shapes per question type: `app.assessments.quiz_shapes`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.assessments import models
from app.catalog import models as catalog_models
from schema.catalog.access import teaches_course, visible_courses
from schema.catalog.types import Lesson
from schema.core.auth import current_user
from schema.core.context import Info
from schema.core.relay import NOWHERE, decode_uuid

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


async def quiz_course(info: Info, quiz: models.Quiz) -> catalog_models.Course | None:
    """The course of the quiz's lesson if the viewer may see it."""
    lesson = await info.context.loaders.catalog.lessons.load(quiz.lesson_id)
    if lesson is None:
        return None
    course = await info.context.loaders.catalog.courses.load(lesson.course_id)
    return (await visible_courses(info, [course]))[0]


@strawberry.type(description="A question as its authors see it, answer key included.")
class QuizQuestion(relay.Node):
    id: relay.NodeID[str]
    type: models.QuestionType
    text: str
    media_url: str | None
    points: int
    order_number: int
    difficulty: models.Difficulty
    options: JSON | None = strawberry.field(description="Shape depends on the type.")
    correct_answer: JSON | None = strawberry.field(description="Shape depends on the type.")
    explanation: str | None

    @classmethod
    def from_model(cls, row: models.Question) -> QuizQuestion:
        return cls(
            id=str(row.id),
            type=models.QuestionType(row.type),
            text=row.text,
            media_url=row.media_url,
            points=row.points,
            order_number=row.order_number,
            difficulty=models.Difficulty(row.difficulty),
            options=row.options,
            correct_answer=row.correct_answer,
            explanation=row.explanation,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[QuizQuestion | None]:
        loaders = info.context.loaders.assessments
        rows = await loaders.questions_by_id.load_many(
            [decode_uuid(i) or NOWHERE for i in node_ids]
        )
        quizzes = await loaders.assessments.load_many([r.quiz_id if r else NOWHERE for r in rows])
        found: list[QuizQuestion | None] = []
        for row, quiz in zip(rows, quizzes, strict=True):
            course = await quiz_course(info, quiz) if quiz is not None else None
            teacher = course is not None and await teaches_course(info, course)
            found.append(cls.from_model(row) if row is not None and teacher else None)
        return found


@strawberry.type(description="A quiz on a lesson of type QUIZ, with its configuration.")
class Quiz(relay.Node):
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
    course: strawberry.Private[catalog_models.Course]

    @classmethod
    def from_model(cls, row: models.Quiz, course: catalog_models.Course) -> Quiz:
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
            course=course,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Quiz | None]:
        rows = await info.context.loaders.assessments.quizzes.load_many(
            [decode_uuid(i) or NOWHERE for i in node_ids]
        )
        found: list[Quiz | None] = []
        for row in rows:
            course = await quiz_course(info, row) if row is not None else None
            found.append(cls.from_model(row, course) if row and course else None)
        return found

    @strawberry.field
    async def lesson(self, info: Info) -> Lesson | None:
        row = await info.context.loaders.catalog.lessons.load(self.model.lesson_id)
        return Lesson.from_model(row, self.course) if row is not None else None

    @strawberry.field(description="How many questions the quiz has.")
    async def question_count(self, info: Info) -> int:
        return len(await info.context.loaders.assessments.questions.load(self.model.id))

    @strawberry.field(description="Sum of the points of its questions.")
    async def total_points(self, info: Info) -> int:
        return sum(
            q.points for q in await info.context.loaders.assessments.questions.load(self.model.id)
        )

    @strawberry.field(description="With answer keys; null unless you teach the course.")
    async def questions(self, info: Info) -> list[QuizQuestion] | None:
        if not await teaches_course(info, self.course):
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
    options: JSON | None = strawberry.field(description="In this attempt's order.")
    answer: JSON | None = strawberry.field(description="Your saved answer, if any.")
    is_correct: bool | None = strawberry.field(description="After grading.")
    points_awarded: float | None = strawberry.field(description="After grading.")
    feedback: str | None
    correct_answer: JSON | None = strawberry.field(description="After submission, if shown.")
    explanation: str | None = strawberry.field(description="After submission, if shown.")


def _ordered_options(row: models.Question, order: list[str] | None) -> Any:
    if not order or row.options is None:
        return row.options
    if row.type == models.QuestionType.MATCHING:
        right = {o["id"]: o for o in row.options["right"]}
        return {**row.options, "right": [right[i] for i in order if i in right]}
    by_id = {o["id"]: o for o in row.options}
    return [by_id[i] for i in order if i in by_id]


@strawberry.type(description="One try at a quiz by a student.")
class QuizAttempt(relay.Node):
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
    quiz_model: strawberry.Private[models.Quiz]
    course: strawberry.Private[catalog_models.Course]
    teacher: strawberry.Private[bool]

    @classmethod
    def from_model(
        cls,
        row: models.QuizAttempt,
        quiz: models.Quiz,
        course: catalog_models.Course,
        *,
        teacher: bool = False,
    ) -> QuizAttempt:
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
            quiz_model=quiz,
            course=course,
            teacher=teacher,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[QuizAttempt | None]:
        rows = await info.context.loaders.assessments.attempts.load_many(
            [decode_uuid(i) or NOWHERE for i in node_ids]
        )
        return [await attempt_for_viewer(info, row) for row in rows]

    @strawberry.field
    def quiz(self) -> Quiz:
        return Quiz.from_model(self.quiz_model, self.course)

    @strawberry.field(description="The attempt's questions in its order, with your answers.")
    async def questions(self, info: Info) -> list[AttemptQuestion]:
        loaders = info.context.loaders.assessments
        by_id = {q.id: q for q in await loaders.questions.load(self.quiz_model.id)}
        answers = {a.question_id: a for a in await loaders.answers.load(self.model.id)}
        finished = self.model.status != models.AttemptStatus.IN_PROGRESS
        graded = self.model.grading_status in (
            models.GradingStatus.AUTO_GRADED,
            models.GradingStatus.GRADED,
        )
        show_key = self.teacher or (finished and self.quiz_model.show_correct_answers)
        show_why = self.teacher or (finished and self.quiz_model.show_explanations)
        found: list[AttemptQuestion] = []
        for raw in self.model.question_order:
            row = by_id.get(uuid.UUID(raw))
            if row is None:
                continue
            answer = answers.get(row.id)
            marked = answer is not None and (graded or self.teacher)
            found.append(
                AttemptQuestion(
                    number=len(found) + 1,
                    question_id=strawberry.ID(str(relay.GlobalID("QuizQuestion", raw))),
                    type=models.QuestionType(row.type),
                    text=row.text,
                    media_url=row.media_url,
                    points=row.points,
                    options=_ordered_options(row, self.model.option_order.get(raw)),
                    answer=answer.answer if answer is not None else None,
                    is_correct=answer.is_correct if marked and answer else None,
                    points_awarded=_float(answer.points_awarded) if marked and answer else None,
                    feedback=answer.feedback if marked and answer else None,
                    correct_answer=row.correct_answer if show_key else None,
                    explanation=row.explanation if show_why else None,
                )
            )
        return found


async def attempt_for_viewer(info: Info, row: models.QuizAttempt | None) -> QuizAttempt | None:
    """The attempt for its student or the course's teachers; None for anyone else."""
    if row is None:
        return None
    user = await current_user(info)
    quiz = await info.context.loaders.assessments.quizzes.load(row.quiz_id)
    if user is None or quiz is None:
        return None
    course = await quiz_course(info, quiz)
    if course is None:
        return None
    teacher = await teaches_course(info, course)
    if row.student_id != user.id and not teacher:
        return None
    return QuizAttempt.from_model(row, quiz, course, teacher=teacher)
