"""GraphQL types of the instructor's grading queue: one item of work waiting for a grade."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from app.assessments.grading_queue import QueuedWork, WorkKind
from schema.accounts.types import User
from schema.assessments.assignments import AssignmentSubmission
from schema.assessments.exams import ExamSubmission
from schema.assessments.quizzes import QuizAttempt
from schema.core.context import Info

strawberry.enum(WorkKind, name="GradingWorkKind", description="What kind of work waits.")

GradableWork = Annotated[
    QuizAttempt | AssignmentSubmission | ExamSubmission,
    strawberry.union("GradableWork", description="The attempt or submission to grade."),
]


@strawberry.type(description="Work of a student waiting for a grade.")
class GradingQueueItem:
    work: strawberry.Private[QueuedWork]

    @strawberry.field(description="A quiz attempt, an assignment submission or an exam attempt.")
    def kind(self) -> WorkKind:
        return self.work.kind

    @strawberry.field(description="When it was handed in (the queue's order, oldest first).")
    def submitted_at(self) -> datetime:
        return self.work.submitted_at

    @strawberry.field(
        description="When it was due: the assignment's due date, the exam's or quiz's window "
        "end; null when there is none."
    )
    def due_at(self) -> datetime | None:
        return self.work.due_at

    @strawberry.field(description="The title of the quiz, assignment or exam.")
    def assessment_title(self) -> str:
        return self.work.assessment_title

    @strawberry.field(description="The student; null once their account is deleted.")
    async def student(self, info: Info) -> User | None:
        row = await info.context.loaders.accounts.users.load(self.work.student_id)
        return None if row is None or row.deleted_at is not None else User.from_model(row)

    @strawberry.field(description="The attempt or submission itself (its node).")
    async def item(self, info: Info) -> GradableWork | None:
        loaders = info.context.loaders.assessments
        if self.work.kind == WorkKind.QUIZ_ATTEMPT:
            attempt = await loaders.attempts.load(self.work.id)
            return None if attempt is None else QuizAttempt.from_model(attempt)
        if self.work.kind == WorkKind.ASSIGNMENT_SUBMISSION:
            submission = await loaders.submissions.load(self.work.id)
            return None if submission is None else AssignmentSubmission.from_model(submission)
        exam = await loaders.exam_submissions.load(self.work.id)
        return None if exam is None else ExamSubmission.from_model(exam)
