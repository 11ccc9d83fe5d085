"""Root fields of course exams: read the caller, call one service or loader, map the result."""

from __future__ import annotations

import strawberry

from app.assessments import exams
from schema.assessments import exam_inputs as i
from schema.assessments.exams import Exam, ExamResource, ExamSubmission
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import node_uuid


@strawberry.type
class Query:
    @strawberry.field(
        description="An exam of a course you teach or are enrolled in; null (with NOT_FOUND) "
        "otherwise."
    )
    async def exam(self, info: Info, id: strawberry.ID) -> Exam | None:
        return await Exam.lookup(info, id)

    @strawberry.field(
        description="An exam attempt of yours, or of a student in a course you teach; null "
        "(with NOT_FOUND) otherwise."
    )
    async def exam_submission(self, info: Info, id: strawberry.ID) -> ExamSubmission | None:
        return await ExamSubmission.lookup(info, id)

    @strawberry.field(description="Your attempts at an exam, oldest first.")
    async def my_exam_submissions(self, info: Info, exam_id: strawberry.ID) -> list[ExamSubmission]:
        actor = await require_actor(info)
        key = (actor.id, node_uuid(exam_id, "Exam"))
        rows = await info.context.loaders.assessments.student_exam_submissions.load(key)
        return [ExamSubmission.from_model(r) for r in rows]


@strawberry.type
class Mutation:
    @mutation(description="The course's instructors or admins add an exam.")
    async def create_exam(self, info: Info, input: i.CreateExamInput, tx: Tx) -> i.ExamPayload:
        row = await exams.create_exam(tx.session, actor=tx.actor, **input.arguments())
        return i.ExamPayload(exam=Exam.from_model(row))

    @mutation(description="The course's instructors or admins change an exam.")
    async def update_exam(self, info: Info, input: i.UpdateExamInput, tx: Tx) -> i.ExamPayload:
        row = await exams.update_exam(tx.session, actor=tx.actor, **input.arguments())
        return i.ExamPayload(exam=Exam.from_model(row))

    @mutation(description="A link or an uploaded file for an exam.")
    async def add_exam_resource(
        self, info: Info, input: i.AddExamResourceInput, tx: Tx
    ) -> i.ExamResourcePayload:
        row = await exams.add_exam_resource(tx.session, actor=tx.actor, **input.arguments())
        return i.ExamResourcePayload(resource=ExamResource.from_model(row))

    @mutation(description="An enrolled student starts (or resumes) an exam attempt.")
    async def start_exam(
        self, info: Info, input: i.StartExamInput, tx: Tx
    ) -> i.ExamSubmissionPayload:
        row = await exams.start_exam(tx.session, student_id=tx.actor.id, **input.arguments())
        return i.ExamSubmissionPayload(submission=ExamSubmission.from_model(row))

    @mutation(description="Hand in an attempt before its deadline, with notes and files.")
    async def submit_exam(
        self, info: Info, input: i.SubmitExamInput, tx: Tx
    ) -> i.ExamSubmissionPayload:
        row = await exams.submit_exam(
            tx.session, info.context.storage, student_id=tx.actor.id, **input.arguments()
        )
        return i.ExamSubmissionPayload(submission=ExamSubmission.from_model(row))

    @mutation(description="Grade an attempt, or send it back for revision.")
    async def grade_exam(
        self, info: Info, input: i.GradeExamInput, tx: Tx
    ) -> i.ExamSubmissionPayload:
        row = await exams.grade_exam(tx.session, actor=tx.actor, **input.arguments())
        return i.ExamSubmissionPayload(submission=ExamSubmission.from_model(row))
