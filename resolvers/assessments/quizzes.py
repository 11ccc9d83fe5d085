"""Root queries and mutations of quizzes: read the caller, call one service, map the result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry import relay

from app.assessments import attempts, grading, quizzes
from app.assessments import models as m
from app.errors import NotFound
from schema.assessments import quiz_inputs as i
from schema.assessments.quizzes import (
    Quiz,
    QuizAttempt,
    QuizQuestion,
    attempt_for_viewer,
    quiz_course,
)
from schema.core.auth import require_actor, require_user
from schema.core.context import Info
from schema.core.mutation import run_mutation
from schema.core.relay import node_uuid, raw_uuid

Call = Callable[..., Awaitable[Any]]


async def _author(info: Info, input: Any, call: Call) -> Any:
    actor = await require_actor(info)
    async with info.context.db.transaction() as session:
        return await call(session, actor=actor, **input.arguments())


async def _quiz(info: Info, row: m.Quiz) -> Quiz:
    course = await quiz_course(info, row)
    if course is None:  # deleted concurrently
        raise NotFound("Quiz")
    return Quiz.from_model(row, course)


async def _quiz_payload(info: Info, input: Any, call: Call) -> dict[str, Any]:
    return {"quiz": await _quiz(info, await _author(info, input, call))}


async def _question(info: Info, input: Any, call: Call) -> dict[str, Any]:
    return {"question": QuizQuestion.from_model(await _author(info, input, call))}


async def _deleted(info: Info, input: i.DeleteQuestionInput) -> dict[str, Any]:
    quiz = await _author(info, input, quizzes.delete_question)
    return {"deleted_question_id": input.question_id, "quiz": await _quiz(info, quiz)}


async def _reordered(info: Info, input: i.ReorderQuestionsInput) -> dict[str, Any]:
    rows = await _author(info, input, quizzes.reorder_questions)
    return {"questions": [QuizQuestion.from_model(r) for r in rows]}


async def _attempt(info: Info, row: m.QuizAttempt | None) -> dict[str, Any]:
    found = await attempt_for_viewer(info, row)
    if found is None:
        raise NotFound("QuizAttempt")
    return {"attempt": found}


async def _take(info: Info, input: Any, call: Call) -> dict[str, Any]:
    user = await require_user(info)
    async with info.context.db.transaction() as session:
        result = await call(session, student_id=user.id, **input.arguments())
    attempt_id = result.attempt_id if isinstance(result, m.QuizAnswer) else result.id
    row = await info.context.loaders.assessments.attempts.load(attempt_id)
    return await _attempt(info, row)


async def _grade(info: Info, input: i.GradeQuizAttemptInput) -> dict[str, Any]:
    return await _attempt(info, await _author(info, input, grading.grade_quiz_attempt))


@strawberry.type
class Query:
    @strawberry.field(
        description="A quiz you can see; its questions with answers only if you teach the course."
    )
    async def quiz(self, info: Info, id: relay.GlobalID) -> Quiz | None:
        if id.type_name != "Quiz":
            return None
        return (await Quiz.resolve_nodes(info=info, node_ids=[id.node_id]))[0]

    @strawberry.field(description="The quiz of a lesson of type QUIZ, if it has one.")
    async def lesson_quiz(self, info: Info, lesson_id: relay.GlobalID) -> Quiz | None:
        if lesson_id.type_name != "Lesson":
            return None
        key = raw_uuid(lesson_id.node_id)
        if key is None:
            return None
        row = await info.context.loaders.assessments.quizzes_by_lesson.load(key)
        course = await quiz_course(info, row) if row is not None else None
        return Quiz.from_model(row, course) if row is not None and course is not None else None

    @strawberry.field(description="An attempt of yours, or of a student in a course you teach.")
    async def quiz_attempt(self, info: Info, id: relay.GlobalID) -> QuizAttempt | None:
        if id.type_name != "QuizAttempt":
            return None
        return (await QuizAttempt.resolve_nodes(info=info, node_ids=[id.node_id]))[0]

    @strawberry.field(description="Your attempts at a quiz, newest first.")
    async def my_quiz_attempts(self, info: Info, quiz_id: relay.GlobalID) -> list[QuizAttempt]:
        user = await require_user(info)
        key = node_uuid(str(quiz_id), "Quiz")
        async with info.context.db.session() as session:
            rows = await attempts.my_attempts(session, student_id=user.id, quiz_id=key)
        found = [await attempt_for_viewer(info, row) for row in rows]
        return [a for a in found if a is not None]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="The quiz of a QUIZ lesson (the course's teachers, admins).")
    async def create_quiz(self, info: Info, input: i.CreateQuizInput) -> i.QuizPayload:
        return await run_mutation(i.QuizPayload, _quiz_payload(info, input, quizzes.create_quiz))

    @strawberry.mutation(description="Changes a quiz's title, description or configuration.")
    async def update_quiz(self, info: Info, input: i.UpdateQuizInput) -> i.QuizPayload:
        return await run_mutation(i.QuizPayload, _quiz_payload(info, input, quizzes.update_quiz))

    @strawberry.mutation(description="Appends a question of any type with its answer key.")
    async def add_question(self, info: Info, input: i.AddQuestionInput) -> i.QuestionPayload:
        return await run_mutation(i.QuestionPayload, _question(info, input, quizzes.add_question))

    @strawberry.mutation(description="Changes a question; options and key are re-validated.")
    async def update_question(self, info: Info, input: i.UpdateQuestionInput) -> i.QuestionPayload:
        return await run_mutation(
            i.QuestionPayload, _question(info, input, quizzes.update_question)
        )

    @strawberry.mutation(description="Removes a question; the rest are renumbered 1..n.")
    async def delete_question(
        self, info: Info, input: i.DeleteQuestionInput
    ) -> i.DeleteQuestionPayload:
        return await run_mutation(i.DeleteQuestionPayload, _deleted(info, input))

    @strawberry.mutation(description="Puts every question of a quiz in the given order.")
    async def reorder_questions(
        self, info: Info, input: i.ReorderQuestionsInput
    ) -> i.ReorderQuestionsPayload:
        return await run_mutation(i.ReorderQuestionsPayload, _reordered(info, input))

    @strawberry.mutation(description="Starts an attempt, or resumes your unfinished one.")
    async def start_quiz_attempt(
        self, info: Info, input: i.StartQuizAttemptInput
    ) -> i.QuizAttemptPayload:
        return await run_mutation(
            i.QuizAttemptPayload, _take(info, input, attempts.start_quiz_attempt)
        )

    @strawberry.mutation(description="Saves (or replaces) your answer to one question.")
    async def save_quiz_answer(
        self, info: Info, input: i.SaveQuizAnswerInput
    ) -> i.QuizAttemptPayload:
        return await run_mutation(
            i.QuizAttemptPayload, _take(info, input, attempts.save_quiz_answer)
        )

    @strawberry.mutation(description="Submits your attempt; objective questions are graded.")
    async def submit_quiz_attempt(
        self, info: Info, input: i.SubmitQuizAttemptInput
    ) -> i.QuizAttemptPayload:
        return await run_mutation(
            i.QuizAttemptPayload, _take(info, input, attempts.submit_quiz_attempt)
        )

    @strawberry.mutation(description="The course's teachers grade an attempt pending review.")
    async def grade_quiz_attempt(
        self, info: Info, input: i.GradeQuizAttemptInput
    ) -> i.QuizAttemptPayload:
        return await run_mutation(i.QuizAttemptPayload, _grade(info, input))
