"""Inputs of the catalog: the course list filter and the authoring mutations.

Every input subclasses `schema.core.inputs.Input` (read its docstring): omitted fields of a
change keep the current value, null clears an optional one, ids are global ids of the named type
(anything else fails like an unknown id). Prices are decimal amounts in major units (19.99) of a
`CurrencyCode`; the service converts them to minor units (TOO_PRECISE for 19.999 USD).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import strawberry
from strawberry import relay

from app.catalog.filters import CourseFilterArgs, course_filter
from app.catalog.service import TierInput
from schema.catalog.enums import CourseLevel, LessonType, PricingTierName
from schema.core.inputs import Input, node_id, raw_id, update
from schema.core.money import CurrencyCode, MoneyInput

# --- the course list ------------------------------------------------------------------------------


@strawberry.input(description="Narrows the course list; every given field must match.")
class CourseFilter(Input):
    category_id: strawberry.ID | None = node_id("Category", default=None)
    level: CourseLevel | None = None
    language: str | None = strawberry.field(default=None, description="e.g. en, pt-BR")
    min_price: MoneyInput | None = strawberry.field(
        default=None,
        description="The lowest tier price is at least this. Courses priced in another currency "
        "do not match; free courses count as 0.",
    )
    max_price: MoneyInput | None = strawberry.field(
        default=None,
        description="The lowest tier price is at most this (in the currency of `minPrice` when "
        "both are given).",
    )
    free: bool | None = None
    min_rating: float | None = strawberry.field(default=None, description="0 to 5.")
    tag: str | None = strawberry.field(default=None, description="A tag's slug or name.")
    instructor_id: strawberry.ID | None = node_id("User", default=None)

    def to_args(self) -> CourseFilterArgs:
        """The plain filter (prices in minor units); a bad amount is a BAD_USER_INPUT error."""
        return course_filter(**self.arguments())


# --- courses ------------------------------------------------------------------------------------


@strawberry.input(description="A draft course owned by you.")
class CreateCourseInput(Input):
    title: str
    description: str
    level: CourseLevel = CourseLevel.BEGINNER
    language: str = strawberry.field(default="en", description="A code like en or pt-BR.")
    category_id: strawberry.ID | None = node_id("Category", default=None)
    subtitle: str | None = None
    image_upload_id: strawberry.ID | None = node_id(
        "FileAsset",
        default=None,
        description="One of your finished uploads for the COURSE_IMAGE purpose.",
    )
    trailer_url: str | None = None
    requirements: list[str] = strawberry.field(default_factory=list)
    objectives: list[str] = strawberry.field(default_factory=list)
    tags: list[str] = strawberry.field(default_factory=list)
    enrollment_limit: int | None = None


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateCourseInput(Input):
    course_id: strawberry.ID = node_id("Course")
    title: str | None = update(nullable=False)
    regenerate_slug: bool = strawberry.field(
        default=False,
        description="Derive a new slug from the (new) title; by default the slug is kept.",
    )
    subtitle: str | None = update()
    description: str | None = update(nullable=False)
    level: CourseLevel | None = update(nullable=False)
    language: str | None = update(nullable=False)
    category_id: strawberry.ID | None = update(node="Category")
    image_upload_id: strawberry.ID | None = update(
        node="FileAsset",
        description="One of your finished uploads for the COURSE_IMAGE purpose; null removes "
        "the image.",
    )
    trailer_url: str | None = update()
    requirements: list[str] | None = update()
    objectives: list[str] | None = update()
    tags: list[str] | None = update()
    enrollment_limit: int | None = update()


@strawberry.input
class DeleteCourseInput(Input):
    course_id: strawberry.ID = node_id("Course")


@strawberry.input
class SubmitCourseForReviewInput(Input):
    course_id: strawberry.ID = node_id("Course")


@strawberry.input
class PublishCourseInput(Input):
    course_id: strawberry.ID = node_id("Course")
    notes: str | None = strawberry.field(default=None, description="For the author.")


@strawberry.input
class RejectCourseInput(Input):
    course_id: strawberry.ID = node_id("Course")
    notes: str = strawberry.field(description="What the author should change.")


@strawberry.input
class ArchiveCourseInput(Input):
    course_id: strawberry.ID = node_id("Course")


@strawberry.input(description="One tier; amounts in major units (19.99) of the course currency.")
class PricingTierInput(Input):
    tier: PricingTierName
    price: Decimal
    original_price: Decimal | None = strawberry.field(
        default=None, description="The crossed-out price before a discount; at least `price`."
    )
    features: list[str] = strawberry.field(default_factory=list)

    into = TierInput


@strawberry.input(description="Free (no tiers) or paid with one to three distinct tiers.")
class SetCoursePricingInput(Input):
    course_id: strawberry.ID = node_id("Course")
    is_free: bool
    currency: CurrencyCode = strawberry.field(
        default=CurrencyCode.USD, description="The currency of every tier."
    )
    tiers: list[PricingTierInput] = strawberry.field(default_factory=list)


# --- modules and lessons ------------------------------------------------------------------------


@strawberry.input(description="Appended after the course's last module.")
class AddModuleInput(Input):
    course_id: strawberry.ID = node_id("Course")
    title: str
    description: str | None = None
    prerequisite_module_id: strawberry.ID | None = node_id("CourseModule", default=None)


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateModuleInput(Input):
    module_id: strawberry.ID = node_id("CourseModule")
    title: str | None = update(nullable=False)
    description: str | None = update()
    prerequisite_module_id: strawberry.ID | None = update(node="CourseModule")


@strawberry.input
class DeleteModuleInput(Input):
    module_id: strawberry.ID = node_id("CourseModule")


@strawberry.input
class ReorderModulesInput(Input):
    course_id: strawberry.ID = node_id("Course")
    module_ids: list[strawberry.ID] = node_id(
        "CourseModule", description="Every module of the course exactly once, in the new order."
    )


@strawberry.input(
    description="Appended after the module's last lesson. A video lesson needs `videoFileId` "
    "(a finalized VIDEO upload of yours: it is transcoded in the background) or `videoAssetId`, "
    "a text lesson `contentText`, an assignment a `description`."
)
class AddLessonInput(Input):
    module_id: strawberry.ID = node_id("CourseModule")
    type: LessonType
    title: str
    description: str | None = None
    content_text: str | None = None
    content_url: str | None = None
    video_asset_id: strawberry.ID | None = node_id("VideoAsset", default=None)
    video_file_id: strawberry.ID | None = node_id(
        "FileAsset",
        default=None,
        description="A finalized VIDEO upload (requestUpload's fileId); not with videoAssetId.",
    )
    duration_minutes: int = strawberry.field(
        default=0, description="0 to 10000; a video lesson's is set from its video when processed."
    )
    is_preview: bool = strawberry.field(
        default=False, description="Visible to everyone, enrolled or not."
    )


@strawberry.input(
    description="Only the given fields change; the lesson must still satisfy its type's rules."
)
class UpdateLessonInput(Input):
    lesson_id: strawberry.ID = node_id("Lesson")
    type: LessonType | None = update(nullable=False)
    title: str | None = update(nullable=False)
    description: str | None = update()
    content_text: str | None = update()
    content_url: str | None = update()
    video_asset_id: strawberry.ID | None = update(node="VideoAsset")
    video_file_id: strawberry.ID | None = update(
        node="FileAsset", description="Replace the video with this finalized VIDEO upload."
    )
    duration_minutes: int | None = update(nullable=False)
    is_preview: bool | None = update(nullable=False)


@strawberry.input
class DeleteLessonInput(Input):
    lesson_id: strawberry.ID = node_id("Lesson")


@strawberry.input
class ReorderLessonsInput(Input):
    module_id: strawberry.ID = node_id("CourseModule")
    lesson_ids: list[strawberry.ID] = node_id(
        "Lesson", description="Every lesson of the module exactly once, in the new order."
    )


# --- resources ----------------------------------------------------------------------------------


@strawberry.input(
    description="A link (url) or one of your finished COURSE_RESOURCE uploads (fileId), not both."
)
class AddCourseResourceInput(Input):
    course_id: strawberry.ID = node_id("Course")
    title: str
    url: str | None = None
    file_id: strawberry.ID | None = node_id("FileAsset", default=None)


@strawberry.input(
    description="A link (url) or one of your finished LESSON_RESOURCE uploads (fileId), not both."
)
class AddLessonResourceInput(Input):
    lesson_id: strawberry.ID = node_id("Lesson")
    title: str
    url: str | None = None
    file_id: strawberry.ID | None = node_id("FileAsset", default=None)


@strawberry.input
class DeleteResourceInput(Input):
    resource_id: strawberry.ID = raw_id(description="A `Resource.id` (not a global id).")


# --- categories (admins) ------------------------------------------------------------------------


@strawberry.input(
    description="Without a slug one is derived from the name; without a sortOrder "
    "the category goes last."
)
class CreateCategoryInput(Input):
    name: str
    slug: str | None = None
    description: str | None = None
    icon: str | None = None
    color: str | None = strawberry.field(default=None, description="Like #1A2B3C.")
    parent_id: strawberry.ID | None = node_id("Category", default=None)
    sort_order: int | None = None
    is_active: bool = True


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateCategoryInput(Input):
    category_id: strawberry.ID = node_id("Category")
    name: str | None = update(nullable=False)
    slug: str | None = update(nullable=False)
    description: str | None = update()
    icon: str | None = update()
    color: str | None = update()
    parent_id: strawberry.ID | None = update(node="Category")
    sort_order: int | None = update(nullable=False)
    is_active: bool | None = update(nullable=False)


def global_id(type_name: str, value: uuid.UUID) -> strawberry.ID:
    """The relay global id of a row (used by other domains' types)."""
    return strawberry.ID(str(relay.GlobalID(type_name, str(value))))
