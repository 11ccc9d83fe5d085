"""Payloads of the catalog mutations: the changed object (null when `errors` is not empty)."""

from __future__ import annotations

import strawberry

from schema.catalog.types import Category, Course, CourseModule, Lesson, Resource
from schema.core.mutation import Payload

# --- courses ------------------------------------------------------------------------------------


@strawberry.type
class CoursePayload(Payload):
    course: Course | None = None


@strawberry.type
class CreateCoursePayload(CoursePayload):
    pass


@strawberry.type
class UpdateCoursePayload(CoursePayload):
    pass


@strawberry.type
class SubmitCourseForReviewPayload(CoursePayload):
    pass


@strawberry.type
class PublishCoursePayload(CoursePayload):
    pass


@strawberry.type
class RejectCoursePayload(CoursePayload):
    pass


@strawberry.type
class ArchiveCoursePayload(CoursePayload):
    pass


@strawberry.type
class SetCoursePricingPayload(CoursePayload):
    pass


@strawberry.type
class DeleteCoursePayload(Payload):
    deleted_course_id: strawberry.ID | None = None


# --- modules and lessons ------------------------------------------------------------------------


@strawberry.type
class ModulePayload(Payload):
    module: CourseModule | None = None


@strawberry.type
class AddModulePayload(ModulePayload):
    pass


@strawberry.type
class UpdateModulePayload(ModulePayload):
    pass


@strawberry.type
class DeleteModulePayload(Payload):
    deleted_module_id: strawberry.ID | None = None


@strawberry.type
class ReorderModulesPayload(Payload):
    modules: list[CourseModule] | None = strawberry.field(
        default=None, description="Every module of the course in the new order."
    )


@strawberry.type
class LessonPayload(Payload):
    lesson: Lesson | None = None


@strawberry.type
class AddLessonPayload(LessonPayload):
    pass


@strawberry.type
class UpdateLessonPayload(LessonPayload):
    pass


@strawberry.type
class DeleteLessonPayload(Payload):
    deleted_lesson_id: strawberry.ID | None = None


@strawberry.type
class ReorderLessonsPayload(Payload):
    lessons: list[Lesson] | None = strawberry.field(
        default=None, description="Every lesson of the module in the new order."
    )


# --- resources ----------------------------------------------------------------------------------


@strawberry.type
class AddResourcePayload(Payload):
    resource: Resource | None = None


@strawberry.type
class DeleteResourcePayload(Payload):
    deleted_resource_id: strawberry.ID | None = None


# --- categories ---------------------------------------------------------------------------------


@strawberry.type
class CategoryPayload(Payload):
    category: Category | None = None


@strawberry.type
class CreateCategoryPayload(CategoryPayload):
    pass


@strawberry.type
class UpdateCategoryPayload(CategoryPayload):
    pass


# --- video captions -----------------------------------------------------------------------------


@strawberry.type
class AddVideoCaptionPayload(Payload):
    lesson: Lesson | None = None


@strawberry.type
class RemoveVideoCaptionPayload(Payload):
    lesson: Lesson | None = None
