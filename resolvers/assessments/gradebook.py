"""Root fields of the gradebook: a course's teachers read it and export it as CSV."""

from __future__ import annotations

import strawberry

from app.assessments import gradebook
from schema.assessments.gradebook import ExportGradebookInput, ExportGradebookPayload, Gradebook
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import node_uuid


@strawberry.type
class Query:
    @strawberry.field(
        description="Every enrolled student by every assessment of a course you teach; null "
        "(with NOT_FOUND, or FORBIDDEN for a public course you do not teach) otherwise."
    )
    async def course_gradebook(self, info: Info, course_id: strawberry.ID) -> Gradebook | None:
        actor = await require_actor(info)
        async with info.context.db.session() as session:
            book = await gradebook.course_gradebook(
                session, actor=actor, course_id=node_uuid(course_id, "Course")
            )
        return Gradebook.from_book(book)


@strawberry.type
class Mutation:
    @mutation(description="The course's gradebook as a CSV file behind a signed URL (15 minutes).")
    async def export_gradebook(
        self, info: Info, input: ExportGradebookInput, tx: Tx
    ) -> ExportGradebookPayload:
        export = await gradebook.export_course_gradebook(
            tx.session, info.context.storage, actor=tx.actor, **input.arguments()
        )
        return ExportGradebookPayload(url=export.url, expires_at=export.expires_at)
