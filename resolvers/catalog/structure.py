"""Modules and lessons of a course: add, change, delete, reorder (the course's authors)."""

from __future__ import annotations

import strawberry

from app.catalog import structure
from resolvers.catalog.changes import catalog_changed
from schema.catalog.inputs import (
    AddLessonInput,
    AddModuleInput,
    DeleteLessonInput,
    DeleteModuleInput,
    ReorderLessonsInput,
    ReorderModulesInput,
    UpdateLessonInput,
    UpdateModuleInput,
)
from schema.catalog.payloads import (
    AddLessonPayload,
    AddModulePayload,
    DeleteLessonPayload,
    DeleteModulePayload,
    ReorderLessonsPayload,
    ReorderModulesPayload,
    UpdateLessonPayload,
    UpdateModulePayload,
)
from schema.catalog.types import CourseModule, Lesson
from schema.core.context import Info
from schema.core.mutation import Tx, mutation

CHANGES = [catalog_changed]


@strawberry.type
class Mutation:
    @mutation(description="Appends a module to the course.", after_commit=CHANGES)
    async def add_module(self, info: Info, input: AddModuleInput, tx: Tx) -> AddModulePayload:
        row = await structure.add_module(tx.session, actor=tx.actor, **input.arguments())
        return AddModulePayload(module=CourseModule.from_model(row))

    @mutation(after_commit=CHANGES)
    async def update_module(
        self, info: Info, input: UpdateModuleInput, tx: Tx
    ) -> UpdateModulePayload:
        row = await structure.update_module(tx.session, actor=tx.actor, **input.arguments())
        return UpdateModulePayload(module=CourseModule.from_model(row))

    @mutation(
        description="Deletes the module and its lessons; the rest renumber.", after_commit=CHANGES
    )
    async def delete_module(
        self, info: Info, input: DeleteModuleInput, tx: Tx
    ) -> DeleteModulePayload:
        await structure.delete_module(tx.session, actor=tx.actor, **input.arguments())
        return DeleteModulePayload(deleted_module_id=input.module_id)

    @mutation(description="Puts every module of a course in a new order.", after_commit=CHANGES)
    async def reorder_modules(
        self, info: Info, input: ReorderModulesInput, tx: Tx
    ) -> ReorderModulesPayload:
        rows = await structure.reorder_modules(tx.session, actor=tx.actor, **input.arguments())
        return ReorderModulesPayload(modules=[CourseModule.from_model(row) for row in rows])

    @mutation(description="Appends a lesson to the module.", after_commit=CHANGES)
    async def add_lesson(self, info: Info, input: AddLessonInput, tx: Tx) -> AddLessonPayload:
        row = await structure.add_lesson(tx.session, actor=tx.actor, **input.arguments())
        return AddLessonPayload(lesson=Lesson.from_model(row))

    @mutation(after_commit=CHANGES)
    async def update_lesson(
        self, info: Info, input: UpdateLessonInput, tx: Tx
    ) -> UpdateLessonPayload:
        row = await structure.update_lesson(tx.session, actor=tx.actor, **input.arguments())
        return UpdateLessonPayload(lesson=Lesson.from_model(row))

    @mutation(
        description="Deletes the lesson; the rest of its module renumber.", after_commit=CHANGES
    )
    async def delete_lesson(
        self, info: Info, input: DeleteLessonInput, tx: Tx
    ) -> DeleteLessonPayload:
        await structure.delete_lesson(tx.session, actor=tx.actor, **input.arguments())
        return DeleteLessonPayload(deleted_lesson_id=input.lesson_id)

    @mutation(description="Puts every lesson of a module in a new order.", after_commit=CHANGES)
    async def reorder_lessons(
        self, info: Info, input: ReorderLessonsInput, tx: Tx
    ) -> ReorderLessonsPayload:
        rows = await structure.reorder_lessons(tx.session, actor=tx.actor, **input.arguments())
        return ReorderLessonsPayload(lessons=[Lesson.from_model(row) for row in rows])
