"""Root fields of assignments: read the caller, call one service or loader, map the result."""

from __future__ import annotations

import strawberry

from app.assessments import assignments
from schema.assessments import assignment_inputs as i
from schema.assessments.assignments import Assignment, AssignmentSubmission
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import node_uuid
from schema.media import UploadTicket


@strawberry.type
class Query:
    @strawberry.field(
        description="An assignment of a course you teach or are enrolled in; null (with "
        "NOT_FOUND) otherwise."
    )
    async def assignment(self, info: Info, id: strawberry.ID) -> Assignment | None:
        return await Assignment.lookup(info, id)

    @strawberry.field(
        description="A submission of yours, or of a student in a course you teach; null (with "
        "NOT_FOUND) otherwise."
    )
    async def assignment_submission(
        self, info: Info, id: strawberry.ID
    ) -> AssignmentSubmission | None:
        return await AssignmentSubmission.lookup(info, id)

    @strawberry.field(description="Your submissions (revisions, oldest first) of an assignment.")
    async def my_submissions(
        self, info: Info, assignment_id: strawberry.ID
    ) -> list[AssignmentSubmission]:
        actor = await require_actor(info)
        key = (actor.id, node_uuid(assignment_id, "Assignment"))
        rows = await info.context.loaders.assessments.student_submissions.load(key)
        return [AssignmentSubmission.from_model(r) for r in rows]


@strawberry.type
class Mutation:
    @mutation(description="The course's instructors or admins add an assignment.")
    async def create_assignment(
        self, info: Info, input: i.CreateAssignmentInput, tx: Tx
    ) -> i.AssignmentPayload:
        row = await assignments.create_assignment(tx.session, actor=tx.actor, **input.arguments())
        return i.AssignmentPayload(assignment=Assignment.from_model(row))

    @mutation(description="The course's instructors or admins change an assignment.")
    async def update_assignment(
        self, info: Info, input: i.UpdateAssignmentInput, tx: Tx
    ) -> i.AssignmentPayload:
        row = await assignments.update_assignment(tx.session, actor=tx.actor, **input.arguments())
        return i.AssignmentPayload(assignment=Assignment.from_model(row))

    @mutation(description="An enrolled student asks where to upload a file for an assignment.")
    async def request_assignment_upload(
        self, info: Info, input: i.RequestAssignmentUploadInput, tx: Tx
    ) -> i.AssignmentUploadPayload:
        ticket = await assignments.request_assignment_upload(
            tx.session, info.context.storage, student_id=tx.actor.id, **input.arguments()
        )
        return i.AssignmentUploadPayload(
            upload=UploadTicket.of(ticket.file_asset_id, ticket.target)
        )

    @mutation(description="An enrolled student hands in text and/or uploaded files.")
    async def submit_assignment(
        self, info: Info, input: i.SubmitAssignmentInput, tx: Tx
    ) -> i.AssignmentSubmissionPayload:
        row = await assignments.submit_assignment(
            tx.session, info.context.storage, student_id=tx.actor.id, **input.arguments()
        )
        return i.AssignmentSubmissionPayload(submission=AssignmentSubmission.from_model(row))

    @mutation(description="The course's instructors or admins grade a submission.")
    async def grade_assignment(
        self, info: Info, input: i.GradeAssignmentInput, tx: Tx
    ) -> i.AssignmentSubmissionPayload:
        row = await assignments.grade_assignment(tx.session, actor=tx.actor, **input.arguments())
        return i.AssignmentSubmissionPayload(submission=AssignmentSubmission.from_model(row))

    @mutation(description="Send a submission back; the student resubmits a revision.")
    async def request_revision(
        self, info: Info, input: i.RequestRevisionInput, tx: Tx
    ) -> i.AssignmentSubmissionPayload:
        row = await assignments.request_revision(tx.session, actor=tx.actor, **input.arguments())
        return i.AssignmentSubmissionPayload(submission=AssignmentSubmission.from_model(row))
