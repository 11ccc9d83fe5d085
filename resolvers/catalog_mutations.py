"""Root mutations of catalog authoring: read the caller, call one service, map the result.

Every mutation runs its service call for the signed-in caller (an `Actor`, so admin-only
capabilities follow MFA_REQUIRED_FOR_ADMINS) inside one committed transaction, and once that
transaction has committed bumps the catalog cache version so cached public catalog reads are
never served stale (Property 17). Inputs map themselves to service arguments
(`schema.catalog.inputs`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
import structlog
from redis.exceptions import RedisError

from app.catalog import categories, resources, service, structure
from app.catalog import models as m
from app.errors import NotFound
from app.integrations.cache import bump_catalog_version
from schema.catalog import inputs as i
from schema.catalog.types import Category, Course, CourseModule, Lesson, Resource
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import run_mutation

Call = Callable[..., Awaitable[Any]]  # a catalog service function

log = structlog.get_logger(__name__)


async def catalog_changed(info: Info) -> None:
    """Orphan every cached catalog read. A Redis failure is logged, not fatal: the change is
    committed, and cached entries expire by their TTL (course changes also bump the version
    again when the search indexer consumes their `catalog.course_changed` event)."""
    try:
        await bump_catalog_version(info.context.redis)
    except RedisError:
        log.warning("catalog_cache_bump_failed", exc_info=True)


async def _author(info: Info, input: Any, call: Call) -> Any:
    """`call` for the signed-in caller with the input's arguments, in one committed transaction;
    then the catalog caches learn of the change."""
    actor = await require_actor(info)
    args = input.arguments()
    async with info.context.db.transaction() as session:
        result = await call(session, actor=actor, **args)
    await catalog_changed(info)
    return result


async def _course_model(info: Info, course_id: uuid.UUID) -> m.Course:
    course = await info.context.loaders.catalog.courses.load(course_id)
    if course is None:  # deleted concurrently, right after the change
        raise NotFound("Course")
    return course


async def _course(info: Info, input: Any, call: Call) -> dict[str, Any]:
    return {"course": Course.from_model(await _author(info, input, call))}


async def _module(info: Info, input: Any, call: Call) -> dict[str, Any]:
    row = await _author(info, input, call)
    return {"module": CourseModule.from_model(row, await _course_model(info, row.course_id))}


async def _lesson(info: Info, input: Any, call: Call) -> dict[str, Any]:
    row = await _author(info, input, call)
    return {"lesson": Lesson.from_model(row, await _course_model(info, row.course_id))}


async def _category(info: Info, input: Any, call: Call) -> dict[str, Any]:
    return {"category": Category.from_model(await _author(info, input, call))}


async def _resource(info: Info, input: Any, call: Call) -> dict[str, Any]:
    return {"resource": Resource.from_model(await _author(info, input, call))}


async def _deleted(info: Info, input: Any, call: Call, key: str, node_id: str) -> dict[str, Any]:
    await _author(info, input, call)
    return {key: node_id}


async def _modules(info: Info, input: i.ReorderModulesInput) -> dict[str, Any]:
    rows = await _author(info, input, structure.reorder_modules)
    if not rows:
        return {"modules": []}
    course = await _course_model(info, rows[0].course_id)
    return {"modules": [CourseModule.from_model(row, course) for row in rows]}


async def _lessons(info: Info, input: i.ReorderLessonsInput) -> dict[str, Any]:
    rows = await _author(info, input, structure.reorder_lessons)
    if not rows:
        return {"lessons": []}
    course = await _course_model(info, rows[0].course_id)
    return {"lessons": [Lesson.from_model(row, course) for row in rows]}


@strawberry.type
class Mutation:
    # --- courses --------------------------------------------------------------------------------

    @strawberry.mutation(description="A draft course owned by you (instructors and admins).")
    async def create_course(self, info: Info, input: i.CreateCourseInput) -> i.CreateCoursePayload:
        return await run_mutation(
            i.CreateCoursePayload, _course(info, input, service.create_course)
        )

    @strawberry.mutation(description="The owner or an admin changes a course.")
    async def update_course(self, info: Info, input: i.UpdateCourseInput) -> i.UpdateCoursePayload:
        return await run_mutation(
            i.UpdateCoursePayload, _course(info, input, service.update_course)
        )

    @strawberry.mutation(
        description="Deletes a never-published course with everything beneath it (admins: any)."
    )
    async def delete_course(self, info: Info, input: i.DeleteCourseInput) -> i.DeleteCoursePayload:
        return await run_mutation(
            i.DeleteCoursePayload,
            _deleted(info, input, service.delete_course, "deleted_course_id", input.course_id),
        )

    @strawberry.mutation(
        description="DRAFT → PENDING_REVIEW; reports every rule the course breaks for publication."
    )
    async def submit_course_for_review(
        self, info: Info, input: i.SubmitCourseForReviewInput
    ) -> i.SubmitCourseForReviewPayload:
        return await run_mutation(
            i.SubmitCourseForReviewPayload,
            _course(info, input, service.submit_course_for_review),
        )

    @strawberry.mutation(description="Admins: PENDING_REVIEW → PUBLISHED after re-checking it.")
    async def publish_course(
        self, info: Info, input: i.PublishCourseInput
    ) -> i.PublishCoursePayload:
        return await run_mutation(
            i.PublishCoursePayload, _course(info, input, service.publish_course)
        )

    @strawberry.mutation(description="Admins: PENDING_REVIEW → DRAFT with notes for the author.")
    async def reject_course(self, info: Info, input: i.RejectCourseInput) -> i.RejectCoursePayload:
        return await run_mutation(
            i.RejectCoursePayload, _course(info, input, service.reject_course)
        )

    @strawberry.mutation(description="PUBLISHED → ARCHIVED: unlisted, enrolled students keep it.")
    async def archive_course(
        self, info: Info, input: i.ArchiveCourseInput
    ) -> i.ArchiveCoursePayload:
        return await run_mutation(
            i.ArchiveCoursePayload, _course(info, input, service.archive_course)
        )

    @strawberry.mutation(description="Replaces the course's pricing: free, or one to three tiers.")
    async def set_course_pricing(
        self, info: Info, input: i.SetCoursePricingInput
    ) -> i.SetCoursePricingPayload:
        return await run_mutation(
            i.SetCoursePricingPayload, _course(info, input, service.set_course_pricing)
        )

    # --- modules --------------------------------------------------------------------------------

    @strawberry.mutation(description="Appends a module to the course.")
    async def add_module(self, info: Info, input: i.AddModuleInput) -> i.AddModulePayload:
        return await run_mutation(i.AddModulePayload, _module(info, input, structure.add_module))

    @strawberry.mutation
    async def update_module(self, info: Info, input: i.UpdateModuleInput) -> i.UpdateModulePayload:
        return await run_mutation(
            i.UpdateModulePayload, _module(info, input, structure.update_module)
        )

    @strawberry.mutation(description="Deletes the module and its lessons; the rest renumber.")
    async def delete_module(self, info: Info, input: i.DeleteModuleInput) -> i.DeleteModulePayload:
        return await run_mutation(
            i.DeleteModulePayload,
            _deleted(info, input, structure.delete_module, "deleted_module_id", input.module_id),
        )

    @strawberry.mutation(description="Puts every module of a course in a new order.")
    async def reorder_modules(
        self, info: Info, input: i.ReorderModulesInput
    ) -> i.ReorderModulesPayload:
        return await run_mutation(i.ReorderModulesPayload, _modules(info, input))

    # --- lessons --------------------------------------------------------------------------------

    @strawberry.mutation(description="Appends a lesson to the module.")
    async def add_lesson(self, info: Info, input: i.AddLessonInput) -> i.AddLessonPayload:
        return await run_mutation(i.AddLessonPayload, _lesson(info, input, structure.add_lesson))

    @strawberry.mutation
    async def update_lesson(self, info: Info, input: i.UpdateLessonInput) -> i.UpdateLessonPayload:
        return await run_mutation(
            i.UpdateLessonPayload, _lesson(info, input, structure.update_lesson)
        )

    @strawberry.mutation(description="Deletes the lesson; the rest of its module renumber.")
    async def delete_lesson(self, info: Info, input: i.DeleteLessonInput) -> i.DeleteLessonPayload:
        return await run_mutation(
            i.DeleteLessonPayload,
            _deleted(info, input, structure.delete_lesson, "deleted_lesson_id", input.lesson_id),
        )

    @strawberry.mutation(description="Puts every lesson of a module in a new order.")
    async def reorder_lessons(
        self, info: Info, input: i.ReorderLessonsInput
    ) -> i.ReorderLessonsPayload:
        return await run_mutation(i.ReorderLessonsPayload, _lessons(info, input))

    # --- resources ------------------------------------------------------------------------------

    @strawberry.mutation(description="Attaches a link or an uploaded file to a course.")
    async def add_course_resource(
        self, info: Info, input: i.AddCourseResourceInput
    ) -> i.AddResourcePayload:
        return await run_mutation(
            i.AddResourcePayload, _resource(info, input, resources.add_course_resource)
        )

    @strawberry.mutation(description="Attaches a link or an uploaded file to a lesson.")
    async def add_lesson_resource(
        self, info: Info, input: i.AddLessonResourceInput
    ) -> i.AddResourcePayload:
        return await run_mutation(
            i.AddResourcePayload, _resource(info, input, resources.add_lesson_resource)
        )

    @strawberry.mutation(description="Removes a course or lesson resource.")
    async def delete_resource(
        self, info: Info, input: i.DeleteResourceInput
    ) -> i.DeleteResourcePayload:
        return await run_mutation(
            i.DeleteResourcePayload,
            _deleted(
                info, input, resources.delete_resource, "deleted_resource_id", input.resource_id
            ),
        )

    # --- categories -----------------------------------------------------------------------------

    @strawberry.mutation(description="Admins only.")
    async def create_category(
        self, info: Info, input: i.CreateCategoryInput
    ) -> i.CreateCategoryPayload:
        return await run_mutation(
            i.CreateCategoryPayload, _category(info, input, categories.create_category)
        )

    @strawberry.mutation(description="Admins only.")
    async def update_category(
        self, info: Info, input: i.UpdateCategoryInput
    ) -> i.UpdateCategoryPayload:
        return await run_mutation(
            i.UpdateCategoryPayload, _category(info, input, categories.update_category)
        )
