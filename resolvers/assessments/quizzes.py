"""Root fields of quizzes: read the caller, call one service or loader, map the result."""

from __future__ import annotations

import strawberry

from app.assessments import attempts, grading, quizzes
from schema.assessments import quiz_inputs as i
from schema.assessments.quizzes import Quiz, QuizAttempt, QuizQuestion
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import found, node_uuid


@strawberry.type
class Query:
    @strawberry.field(
        description="A quiz you can see; its questions with answers only if you teach the course. "
        "Null (with NOT_FOUND) if there is none or you may not see it."
    )
    async def quiz(self, info: Info, id: strawberry.ID) -> Quiz | None:
        return await Quiz.lookup(info, id)

    @strawberry.field(
        description="The quiz of a lesson of type QUIZ; null (with NOT_FOUND) if the lesson has "
        "none or you may not see it."
    )
    async def lesson_quiz(self, info: Info, lesson_id: strawberry.ID) -> Quiz | None:
        key = node_uuid(lesson_id, "Lesson")
        row = await info.context.loaders.assessments.quizzes_by_lesson.load(key)
        shown = (await Quiz.visible(info, [row]))[0]
        return Quiz.from_model(found(shown, "Quiz"))

    @strawberry.field(
        description="An attempt of yours, or of a student in a course you teach; null (with "
        "NOT_FOUND) otherwise."
    )
    async def quiz_attempt(self, info: Info, id: strawberry.ID) -> QuizAttempt | None:
        return await QuizAttempt.lookup(info, id)

    @strawberry.field(description="Your attempts at a quiz, newest first.")
    async def my_quiz_attempts(self, info: Info, quiz_id: strawberry.ID) -> list[QuizAttempt]:
        actor = await require_actor(info)
        key = (actor.id, node_uuid(quiz_id, "Quiz"))
        rows = await info.context.loaders.assessments.student_attempts.load(key)
        return [QuizAttempt.from_model(r) for r in rows]


@strawberry.type
class Mutation:
    @mutation(description="The quiz of a QUIZ lesson (the course's teachers, admins).")
    async def create_quiz(self, info: Info, input: i.CreateQuizInput, tx: Tx) -> i.QuizPayload:
        row = await quizzes.create_quiz(tx.session, actor=tx.actor, **input.arguments())
        return i.QuizPayload(quiz=Quiz.from_model(row))

    @mutation(description="Changes a quiz's title, description or configuration.")
    async def update_quiz(self, info: Info, input: i.UpdateQuizInput, tx: Tx) -> i.QuizPayload:
        row = await quizzes.update_quiz(tx.session, actor=tx.actor, **input.arguments())
        return i.QuizPayload(quiz=Quiz.from_model(row))

    @mutation(description="Appends a question of any type with its answer key.")
    async def add_question(
        self, info: Info, input: i.AddQuestionInput, tx: Tx
    ) -> i.QuestionPayload:
        row = await quizzes.add_question(tx.session, actor=tx.actor, **input.arguments())
        return i.QuestionPayload(question=QuizQuestion.from_model(row))

    @mutation(description="Changes a question; a new configuration is validated again.")
    async def update_question(
        self, info: Info, input: i.UpdateQuestionInput, tx: Tx
    ) -> i.QuestionPayload:
        row = await quizzes.update_question(tx.session, actor=tx.actor, **input.arguments())
        return i.QuestionPayload(question=QuizQuestion.from_model(row))

    @mutation(description="Removes a question; the rest are renumbered 1..n.")
    async def delete_question(
        self, info: Info, input: i.DeleteQuestionInput, tx: Tx
    ) -> i.DeleteQuestionPayload:
        row = await quizzes.delete_question(tx.session, actor=tx.actor, **input.arguments())
        return i.DeleteQuestionPayload(
            deleted_question_id=input.question_id, quiz=Quiz.from_model(row)
        )

    @mutation(description="Puts every question of a quiz in the given order.")
    async def reorder_questions(
        self, info: Info, input: i.ReorderQuestionsInput, tx: Tx
    ) -> i.ReorderQuestionsPayload:
        rows = await quizzes.reorder_questions(tx.session, actor=tx.actor, **input.arguments())
        return i.ReorderQuestionsPayload(questions=[QuizQuestion.from_model(r) for r in rows])

    @mutation(description="Starts an attempt, or resumes your unfinished one.")
    async def start_quiz_attempt(
        self, info: Info, input: i.StartQuizAttemptInput, tx: Tx
    ) -> i.QuizAttemptPayload:
        row = await attempts.start_quiz_attempt(
            tx.session, student_id=tx.actor.id, **input.arguments()
        )
        return i.QuizAttemptPayload(attempt=QuizAttempt.from_model(row))

    @mutation(description="Saves (or replaces) your answer to one question of your attempt.")
    async def save_quiz_answer(
        self, info: Info, input: i.SaveQuizAnswerInput, tx: Tx
    ) -> i.QuizAttemptPayload:
        row = await attempts.save_quiz_answer(
            tx.session, student_id=tx.actor.id, **input.arguments()
        )
        return i.QuizAttemptPayload(attempt=QuizAttempt.from_model(row))

    @mutation(description="Submits your attempt; objective questions are graded at once.")
    async def submit_quiz_attempt(
        self, info: Info, input: i.SubmitQuizAttemptInput, tx: Tx
    ) -> i.QuizAttemptPayload:
        row = await attempts.submit_quiz_attempt(
            tx.session, student_id=tx.actor.id, **input.arguments()
        )
        return i.QuizAttemptPayload(attempt=QuizAttempt.from_model(row))

    @mutation(description="The course's teachers grade an attempt pending review.")
    async def grade_quiz_attempt(
        self, info: Info, input: i.GradeQuizAttemptInput, tx: Tx
    ) -> i.QuizAttemptPayload:
        row = await grading.grade_quiz_attempt(tx.session, actor=tx.actor, **input.arguments())
        return i.QuizAttemptPayload(attempt=QuizAttempt.from_model(row))
