"""Inputs and payloads of the catalog authoring mutations.

Each input turns itself into the keyword arguments of its service call with `arguments()`:
- Omitted fields are left out, so the service keeps the current value (its UNSET); an explicit
  null clears the field where it can be cleared (optional texts, urls, category, prerequisite,
  video; a null list means an empty one). A null for a field that cannot be empty (a level, a
  flag, a number) is a `REQUIRED` user error.
- Ids are relay global ids of the named type. An id that does not decode, or names another type,
  becomes an id that matches nothing, so it fails exactly like an unknown one: NOT_FOUND for the
  object the mutation acts on, the service's field error for a reference (`categoryId`,
  `prerequisiteModuleId`, `videoAssetId`, `parentId`, the ids of a reorder).
- Money is an integer amount in minor units (cents) and a three-letter currency.
"""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from strawberry import relay

from app.catalog.service import TierInput
from app.errors import FieldError, collect
from schema.catalog.types import (
    Category,
    Course,
    CourseLevel,
    CourseModule,
    Lesson,
    LessonType,
    PricingTierName,
    Resource,
)
from schema.core.mutation import UserError
from schema.core.relay import NOWHERE, node_uuid, raw_uuid

# Input fields holding ids, with the type their global ids must name.
ID_TYPES = {
    "course_id": "Course",
    "category_id": "Category",
    "parent_id": "Category",
    "module_id": "CourseModule",
    "prerequisite_module_id": "CourseModule",
    "module_ids": "CourseModule",
    "lesson_id": "Lesson",
    "lesson_ids": "Lesson",
    "video_asset_id": "VideoAsset",
    "file_id": "FileAsset",
}
# Fields of the update inputs that are nullable in the schema only so that they can be omitted:
# null is not a value for them.
NOT_NULL = frozenset(
    {
        "level",
        "language",
        "type",
        "duration_minutes",
        "is_preview",
        "slug",
        "sort_order",
        "is_active",
    }
)
LISTS = frozenset({"requirements", "objectives", "tags"})


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _convert(name: str, value: Any) -> Any:
    type_name = ID_TYPES.get(name)
    if type_name is None or value is None:
        return [] if value is None and name in LISTS else value
    if isinstance(value, list):
        return [node_uuid(v, type_name) for v in value]
    return node_uuid(value, type_name)


def service_arguments(
    values: dict[str, Any], not_null: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Keyword arguments for a service: omitted fields dropped, ids decoded, nulls checked."""
    given = {k: v for k, v in values.items() if v is not strawberry.UNSET}
    collect(
        [
            FieldError(_camel(name), "This field cannot be empty", "REQUIRED")
            for name, value in given.items()
            if value is None and name in not_null
        ]
    )
    return {name: _convert(name, value) for name, value in given.items()}


class _Arguments:
    """Mixin: `arguments()` over the input's own fields."""

    def arguments(self) -> dict[str, Any]:
        return service_arguments(dict(vars(self)))


class _Changes:
    """Mixin of the update inputs: omitted fields stay as they are, null clears."""

    def arguments(self) -> dict[str, Any]:
        return service_arguments(dict(vars(self)), NOT_NULL)


# --- resources ----------------------------------------------------------------------------------


@strawberry.input(description="A link (url) or one of your finished uploads (fileId), not both.")
class AddCourseResourceInput(_Arguments):
    course_id: strawberry.ID
    title: str
    url: str | None = None
    file_id: strawberry.ID | None = None


@strawberry.input(description="A link (url) or one of your finished uploads (fileId), not both.")
class AddLessonResourceInput(_Arguments):
    lesson_id: strawberry.ID
    title: str
    url: str | None = None
    file_id: strawberry.ID | None = None


@strawberry.input
class DeleteResourceInput:
    resource_id: strawberry.ID

    def arguments(self) -> dict[str, Any]:
        # a raw UUID; anything else fails like an unknown id
        return {"resource_id": raw_uuid(str(self.resource_id)) or NOWHERE}


@strawberry.type
class AddResourcePayload:
    resource: Resource | None = None
    errors: list[UserError]


@strawberry.type
class DeleteResourcePayload:
    deleted_resource_id: strawberry.ID | None = None
    errors: list[UserError]


# --- courses ------------------------------------------------------------------------------------


@strawberry.input
class CreateCourseInput(_Arguments):
    title: str
    description: str
    level: CourseLevel = CourseLevel.BEGINNER
    language: str = strawberry.field(default="en", description="A code like en or pt-BR.")
    category_id: strawberry.ID | None = None
    subtitle: str | None = None
    image_url: str | None = None
    trailer_url: str | None = None
    requirements: list[str] = strawberry.field(default_factory=list)
    objectives: list[str] = strawberry.field(default_factory=list)
    tags: list[str] = strawberry.field(default_factory=list)
    enrollment_limit: int | None = None


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateCourseInput(_Changes):
    course_id: strawberry.ID
    title: str | None = strawberry.UNSET
    regenerate_slug: bool = strawberry.field(
        default=False,
        description="Derive a new slug from the (new) title; by default the slug is kept.",
    )
    subtitle: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    level: CourseLevel | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    category_id: strawberry.ID | None = strawberry.UNSET
    image_url: str | None = strawberry.UNSET
    trailer_url: str | None = strawberry.UNSET
    requirements: list[str] | None = strawberry.UNSET
    objectives: list[str] | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    enrollment_limit: int | None = strawberry.UNSET


@strawberry.input
class DeleteCourseInput(_Arguments):
    course_id: strawberry.ID


@strawberry.input
class SubmitCourseForReviewInput(_Arguments):
    course_id: strawberry.ID


@strawberry.input
class PublishCourseInput(_Arguments):
    course_id: strawberry.ID
    notes: str | None = strawberry.field(default=None, description="For the author.")


@strawberry.input
class RejectCourseInput(_Arguments):
    course_id: strawberry.ID
    notes: str = strawberry.field(description="What the author should change.")


@strawberry.input
class ArchiveCourseInput(_Arguments):
    course_id: strawberry.ID


@strawberry.input(description="One tier; amounts in minor units (cents) of the course currency.")
class PricingTierInput:
    tier: PricingTierName
    price: int
    original_price: int | None = strawberry.field(
        default=None, description="The crossed-out price before a discount; at least `price`."
    )
    features: list[str] = strawberry.field(default_factory=list)

    def to_tier(self) -> TierInput:
        return TierInput(self.tier, self.price, self.original_price, tuple(self.features))


@strawberry.input(description="Free (no tiers) or paid with one to three distinct tiers.")
class SetCoursePricingInput:
    course_id: strawberry.ID
    is_free: bool
    currency: str = "USD"
    tiers: list[PricingTierInput] = strawberry.field(default_factory=list)

    def arguments(self) -> dict[str, Any]:
        return {
            "course_id": node_uuid(self.course_id, "Course"),
            "is_free": self.is_free,
            "currency": self.currency,
            "tiers": [t.to_tier() for t in self.tiers],
        }


# --- modules and lessons ------------------------------------------------------------------------


@strawberry.input(description="Appended after the course's last module.")
class AddModuleInput(_Arguments):
    course_id: strawberry.ID
    title: str
    description: str | None = None
    prerequisite_module_id: strawberry.ID | None = None


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateModuleInput(_Changes):
    module_id: strawberry.ID
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    prerequisite_module_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class DeleteModuleInput(_Arguments):
    module_id: strawberry.ID


@strawberry.input
class ReorderModulesInput(_Arguments):
    course_id: strawberry.ID
    module_ids: list[strawberry.ID] = strawberry.field(
        description="Every module of the course exactly once, in the new order."
    )


@strawberry.input(
    description="Appended after the module's last lesson. A video lesson needs `videoAssetId`, "
    "a text lesson `contentText`, an assignment a `description`."
)
class AddLessonInput(_Arguments):
    module_id: strawberry.ID
    type: LessonType
    title: str
    description: str | None = None
    content_text: str | None = None
    content_url: str | None = None
    video_asset_id: strawberry.ID | None = None
    duration_minutes: int = 0
    is_preview: bool = strawberry.field(
        default=False, description="Visible to everyone, enrolled or not."
    )


@strawberry.input(
    description="Only the given fields change; the lesson must still satisfy its type's rules."
)
class UpdateLessonInput(_Changes):
    lesson_id: strawberry.ID
    type: LessonType | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    content_text: str | None = strawberry.UNSET
    content_url: str | None = strawberry.UNSET
    video_asset_id: strawberry.ID | None = strawberry.UNSET
    duration_minutes: int | None = strawberry.UNSET
    is_preview: bool | None = strawberry.UNSET


@strawberry.input
class DeleteLessonInput(_Arguments):
    lesson_id: strawberry.ID


@strawberry.input
class ReorderLessonsInput(_Arguments):
    module_id: strawberry.ID
    lesson_ids: list[strawberry.ID] = strawberry.field(
        description="Every lesson of the module exactly once, in the new order."
    )


# --- categories (admins) ------------------------------------------------------------------------


@strawberry.input(
    description="Without a slug one is derived from the name; without a sortOrder "
    "the category goes last."
)
class CreateCategoryInput(_Arguments):
    name: str
    slug: str | None = None
    description: str | None = None
    icon: str | None = None
    color: str | None = strawberry.field(default=None, description="Like #1A2B3C.")
    parent_id: strawberry.ID | None = None
    sort_order: int | None = None
    is_active: bool = True


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateCategoryInput(_Changes):
    category_id: strawberry.ID
    name: str | None = strawberry.UNSET
    slug: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    icon: str | None = strawberry.UNSET
    color: str | None = strawberry.UNSET
    parent_id: strawberry.ID | None = strawberry.UNSET
    sort_order: int | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET


# --- payloads -----------------------------------------------------------------------------------


@strawberry.type
class CourseFields:
    course: Course | None = None
    errors: list[UserError]


@strawberry.type
class CreateCoursePayload(CourseFields):
    pass


@strawberry.type
class UpdateCoursePayload(CourseFields):
    pass


@strawberry.type
class SubmitCourseForReviewPayload(CourseFields):
    pass


@strawberry.type
class PublishCoursePayload(CourseFields):
    pass


@strawberry.type
class RejectCoursePayload(CourseFields):
    pass


@strawberry.type
class ArchiveCoursePayload(CourseFields):
    pass


@strawberry.type
class SetCoursePricingPayload(CourseFields):
    pass


@strawberry.type
class DeleteCoursePayload:
    deleted_course_id: strawberry.ID | None = None
    errors: list[UserError]


@strawberry.type
class ModuleFields:
    module: CourseModule | None = None
    errors: list[UserError]


@strawberry.type
class AddModulePayload(ModuleFields):
    pass


@strawberry.type
class UpdateModulePayload(ModuleFields):
    pass


@strawberry.type
class DeleteModulePayload:
    deleted_module_id: strawberry.ID | None = None
    errors: list[UserError]


@strawberry.type
class ReorderModulesPayload:
    modules: list[CourseModule] | None = strawberry.field(
        default=None, description="Every module of the course in the new order."
    )
    errors: list[UserError]


@strawberry.type
class LessonFields:
    lesson: Lesson | None = None
    errors: list[UserError]


@strawberry.type
class AddLessonPayload(LessonFields):
    pass


@strawberry.type
class UpdateLessonPayload(LessonFields):
    pass


@strawberry.type
class DeleteLessonPayload:
    deleted_lesson_id: strawberry.ID | None = None
    errors: list[UserError]


@strawberry.type
class ReorderLessonsPayload:
    lessons: list[Lesson] | None = strawberry.field(
        default=None, description="Every lesson of the module in the new order."
    )
    errors: list[UserError]


@strawberry.type
class CategoryFields:
    category: Category | None = None
    errors: list[UserError]


@strawberry.type
class CreateCategoryPayload(CategoryFields):
    pass


@strawberry.type
class UpdateCategoryPayload(CategoryFields):
    pass


def global_id(type_name: str, value: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(str(relay.GlobalID(type_name, str(value))))
