"""Links and uploaded files attached to a course or a lesson (the course's authors)."""

from __future__ import annotations

import strawberry

from app.catalog import resources
from resolvers.catalog.changes import catalog_changed
from schema.catalog.inputs import (
    AddCourseResourceInput,
    AddLessonResourceInput,
    DeleteResourceInput,
)
from schema.catalog.payloads import AddResourcePayload, DeleteResourcePayload
from schema.catalog.types import Resource
from schema.core.context import Info
from schema.core.mutation import Tx, mutation

CHANGES = [catalog_changed]


@strawberry.type
class Mutation:
    @mutation(description="Attaches a link or an uploaded file to a course.", after_commit=CHANGES)
    async def add_course_resource(
        self, info: Info, input: AddCourseResourceInput, tx: Tx
    ) -> AddResourcePayload:
        row = await resources.add_course_resource(tx.session, actor=tx.actor, **input.arguments())
        return AddResourcePayload(resource=Resource.from_model(row))

    @mutation(description="Attaches a link or an uploaded file to a lesson.", after_commit=CHANGES)
    async def add_lesson_resource(
        self, info: Info, input: AddLessonResourceInput, tx: Tx
    ) -> AddResourcePayload:
        row = await resources.add_lesson_resource(tx.session, actor=tx.actor, **input.arguments())
        return AddResourcePayload(resource=Resource.from_model(row))

    @mutation(description="Removes a course or lesson resource.", after_commit=CHANGES)
    async def delete_resource(
        self, info: Info, input: DeleteResourceInput, tx: Tx
    ) -> DeleteResourcePayload:
        await resources.delete_resource(tx.session, actor=tx.actor, **input.arguments())
        return DeleteResourcePayload(deleted_resource_id=input.resource_id)
