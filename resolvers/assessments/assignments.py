"""Root fields of assignments, course exams and the gradebook: read the caller, call one service.

Mutations run inside one committed transaction; a service's field errors become payload
`errors`, authorization and not-found failures GraphQL errors with a code.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.relay import to_base64

from app.assessments import assignments as assignment_service
from app.assessments import coursework
from app.assessments import exams as exam_service
from app.assessments import gradebook as gradebook_service
from app.errors import DomainError
from app.security.permissions import Actor
from schema.assessments import assignment_inputs as i
from schema.assessments.assignments import (
    Assignment,
    AssignmentSubmission,
    Exam,
    ExamResource,
    ExamSubmission,
    Gradebook,
)
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import graphql_error, run_mutation
from schema.core.relay import node_uuid
from schema.media import HttpHeader, UploadTicket

# --- mutations -----------------------------------------------------------------------------------


async def _assignment(info: Info, call: Any, args: dict[str, Any]) -> dict[str, Any]:
    actor = await require_actor(info)
    async with info.context.db.transaction() as session:
        row = await call(session, actor=actor, **args)
    return {"assignment": Assignment.from_model(row)}


async def _upload(info: Info, args: dict[str, Any]) -> dict[str, Any]:
    actor = await require_actor(info)
    async with info.context.db.transaction() as session:
        ticket = await assignment_service.request_assignment_upload(
            session, info.context.storage, student_id=actor.id, **args
        )
    target = ticket.target
    return {
        "upload": UploadTicket(
            file_id=strawberry.ID(to_base64("FileAsset", str(ticket.file_asset_id))),
            url=target.url,
            method=target.method,
            headers=[HttpHeader(name=k, value=v) for k, v in target.headers.items()],
            expires_at=target.expires_at,
        )
    }


def _caller(actor: Actor, *, student: bool) -> dict[str, Any]:
    """Students act for themselves (`student_id`); graders as an `actor`."""
    return {"student_id": actor.id} if student else {"actor": actor}


async def _submission(
    info: Info, call: Any, args: dict[str, Any], *, student: bool = False, **kw: Any
) -> dict[str, Any]:
    actor = await require_actor(info)
    async with info.context.db.transaction() as session:
        row = await call(session, **kw, **_caller(actor, student=student), **args)
        files = (await coursework.files_of(session, [row.id]))[0]
    return {"submission": AssignmentSubmission.from_model(row, files)}


async def _exam(info: Info, call: Any, args: dict[str, Any]) -> dict[str, Any]:
    actor = await require_actor(info)
    async with info.context.db.transaction() as session:
        row = await call(session, actor=actor, **args)
    return {"exam": Exam.from_model(row)}


async def _resource(info: Info, args: dict[str, Any]) -> dict[str, Any]:
    actor = await require_actor(info)
    async with info.context.db.transaction() as session:
        row = await exam_service.add_exam_resource(session, actor=actor, **args)
        (url,) = await exam_service.resource_urls(session, info.context.storage, [row])
    return {
        "resource": ExamResource(
            file_name=row.file_name,
            description=row.description,
            content_type=row.content_type,
            url=url,
        )
    }


async def _attempt(
    info: Info, call: Any, args: dict[str, Any], *, student: bool = False, **kw: Any
) -> dict[str, Any]:
    actor = await require_actor(info)
    async with info.context.db.transaction() as session:
        row = await call(session, **kw, **_caller(actor, student=student), **args)
        files = (await coursework.files_of(session, [row.id], exam=True))[0]
    return {"submission": ExamSubmission.from_model(row, files)}


@strawberry.type
class Mutation:
    @strawberry.mutation(description="The course's instructors or admins add an assignment.")
    async def create_assignment(
        self, info: Info, input: i.CreateAssignmentInput
    ) -> i.AssignmentPayload:
        return await run_mutation(
            i.AssignmentPayload,
            _assignment(info, assignment_service.create_assignment, input.arguments()),
        )

    @strawberry.mutation(description="The course's instructors or admins change an assignment.")
    async def update_assignment(
        self, info: Info, input: i.UpdateAssignmentInput
    ) -> i.AssignmentPayload:
        return await run_mutation(
            i.AssignmentPayload,
            _assignment(info, assignment_service.update_assignment, input.arguments()),
        )

    @strawberry.mutation(
        description="An enrolled student asks where to upload a file for an assignment."
    )
    async def request_assignment_upload(
        self, info: Info, input: i.RequestAssignmentUploadInput
    ) -> i.AssignmentUploadPayload:
        return await run_mutation(i.AssignmentUploadPayload, _upload(info, input.arguments()))

    @strawberry.mutation(description="An enrolled student hands in text and/or uploaded files.")
    async def submit_assignment(
        self, info: Info, input: i.SubmitAssignmentInput
    ) -> i.AssignmentSubmissionPayload:
        call = assignment_service.submit_assignment
        return await run_mutation(
            i.AssignmentSubmissionPayload,
            _submission(info, call, input.arguments(), student=True, storage=info.context.storage),
        )

    @strawberry.mutation(description="The course's instructors or admins grade a submission.")
    async def grade_assignment(
        self, info: Info, input: i.GradeAssignmentInput
    ) -> i.AssignmentSubmissionPayload:
        return await run_mutation(
            i.AssignmentSubmissionPayload,
            _submission(info, assignment_service.grade_assignment, input.arguments()),
        )

    @strawberry.mutation(description="Send a submission back; the student resubmits a revision.")
    async def request_revision(
        self, info: Info, input: i.RequestRevisionInput
    ) -> i.AssignmentSubmissionPayload:
        return await run_mutation(
            i.AssignmentSubmissionPayload,
            _submission(info, assignment_service.request_revision, input.arguments()),
        )

    @strawberry.mutation(description="The course's instructors or admins add an exam.")
    async def create_exam(self, info: Info, input: i.CreateExamInput) -> i.ExamPayload:
        return await run_mutation(
            i.ExamPayload, _exam(info, exam_service.create_exam, input.arguments())
        )

    @strawberry.mutation(description="The course's instructors or admins change an exam.")
    async def update_exam(self, info: Info, input: i.UpdateExamInput) -> i.ExamPayload:
        return await run_mutation(
            i.ExamPayload, _exam(info, exam_service.update_exam, input.arguments())
        )

    @strawberry.mutation(description="A link or an uploaded file for an exam.")
    async def add_exam_resource(
        self, info: Info, input: i.AddExamResourceInput
    ) -> i.ExamResourcePayload:
        return await run_mutation(i.ExamResourcePayload, _resource(info, input.arguments()))

    @strawberry.mutation(description="An enrolled student starts (or resumes) an exam attempt.")
    async def start_exam(self, info: Info, input: i.StartExamInput) -> i.ExamSubmissionPayload:
        return await run_mutation(
            i.ExamSubmissionPayload,
            _attempt(info, exam_service.start_exam, input.arguments(), student=True),
        )

    @strawberry.mutation(description="Hand in an attempt before its deadline.")
    async def submit_exam(self, info: Info, input: i.SubmitExamInput) -> i.ExamSubmissionPayload:
        call = exam_service.submit_exam
        return await run_mutation(
            i.ExamSubmissionPayload,
            _attempt(info, call, input.arguments(), student=True, storage=info.context.storage),
        )

    @strawberry.mutation(description="Grade an attempt, or send it back for revision.")
    async def grade_exam(self, info: Info, input: i.GradeExamInput) -> i.ExamSubmissionPayload:
        return await run_mutation(
            i.ExamSubmissionPayload, _attempt(info, exam_service.grade_exam, input.arguments())
        )


# --- queries -------------------------------------------------------------------------------------


async def _read(info: Info, read: Any) -> Any:
    actor = await require_actor(info)
    try:
        async with info.context.db.session() as session:
            return await read(session, actor)
    except DomainError as exc:
        raise graphql_error(exc) from exc


@strawberry.type
class Query:
    @strawberry.field(description="An assignment of a course you teach or are enrolled in.")
    async def assignment(self, info: Info, id: strawberry.ID) -> Assignment:
        key = node_uuid(id, "Assignment")
        row = await _read(
            info, lambda s, a: assignment_service.get_assignment(s, user=a, assignment_id=key)
        )
        return Assignment.from_model(row)

    @strawberry.field(description="Your submissions (revisions, oldest first) of an assignment.")
    async def my_submissions(
        self, info: Info, assignment_id: strawberry.ID
    ) -> list[AssignmentSubmission]:
        key = node_uuid(assignment_id, "Assignment")

        async def read(session: Any, actor: Any) -> list[AssignmentSubmission]:
            rows = await assignment_service.my_submissions(
                session, student_id=actor.id, assignment_id=key
            )
            files = await coursework.files_of(session, [r.id for r in rows])
            return [AssignmentSubmission.from_model(r, f) for r, f in zip(rows, files, strict=True)]

        result: list[AssignmentSubmission] = await _read(info, read)
        return result

    @strawberry.field(description="An exam of a course you teach or are enrolled in.")
    async def exam(self, info: Info, id: strawberry.ID) -> Exam:
        key = node_uuid(id, "Exam")
        row = await _read(info, lambda s, a: exam_service.get_exam(s, user=a, exam_id=key))
        return Exam.from_model(row)

    @strawberry.field(description="Your attempts at an exam, oldest first.")
    async def my_exam_submissions(self, info: Info, exam_id: strawberry.ID) -> list[ExamSubmission]:
        key = node_uuid(exam_id, "Exam")

        async def read(session: Any, actor: Any) -> list[ExamSubmission]:
            rows = await exam_service.my_exam_submissions(session, student_id=actor.id, exam_id=key)
            files = await coursework.files_of(session, [r.id for r in rows], exam=True)
            return [ExamSubmission.from_model(r, f) for r, f in zip(rows, files, strict=True)]

        result: list[ExamSubmission] = await _read(info, read)
        return result

    @strawberry.field(description="Every enrolled student by every assessment (instructors).")
    async def course_gradebook(self, info: Info, course_id: strawberry.ID) -> Gradebook:
        key = node_uuid(course_id, "Course")
        book = await _read(
            info,
            lambda s, a: gradebook_service.course_gradebook(s, actor=a, course_id=key),
        )
        return Gradebook.from_book(book)
