"""GraphQL types of the catalog: courses, modules, lessons, categories, instructors, prices.

Every relation field resolves through the per-request loaders (`info.context.loaders.catalog`),
never with SQL of its own, so a page of courses with all its relations runs a fixed number of
statements. Who may see what is decided by `app.catalog.visibility` (see `schema.catalog.access`).
Money is always integer minor units plus an ISO currency code.
"""

from __future__ import annotations

import asyncio
import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from app.accounts.models import User as UserModel
from app.catalog import models
from app.catalog.filters import CourseFilterArgs, InvalidFilter
from app.errors import FieldError
from schema.accounts import User
from schema.catalog.access import (
    sees_content,
    sees_course_materials,
    teaches_course,
    visible_courses,
)
from schema.core.context import Info
from schema.core.money import Money
from schema.core.relay import NOWHERE, decode_uuid

if TYPE_CHECKING:
    from schema.learning.types import Enrollment

strawberry.enum(models.CourseLevel, name="CourseLevel", description="Difficulty of a course.")
strawberry.enum(
    models.CourseStatus,
    name="CourseStatus",
    description="Workflow: DRAFT → PENDING_REVIEW → PUBLISHED → ARCHIVED.",
)
strawberry.enum(models.LessonType, name="LessonType", description="What a lesson consists of.")
strawberry.enum(models.PricingTier, name="PricingTierName", description="A course's price level.")
CourseLevel = models.CourseLevel
CourseStatus = models.CourseStatus
LessonType = models.LessonType
PricingTierName = models.PricingTier


@strawberry.enum(description="Orders of the course list.")
class CourseSort(enum.Enum):
    POPULARITY = "popularity"  # most enrollments first
    RATING = "rating"  # highest average rating, then most reviews
    NEWEST = "newest"  # most recently published
    PRICE_ASC = "price_asc"  # cheapest (lowest tier) first
    PRICE_DESC = "price_desc"
    TRENDING = "trending"  # highest trending score


@strawberry.type
class Tag:
    name: str
    slug: str


@strawberry.type(description="One price level of a course (basic, pro, premium).")
class PricingTier:
    tier: PricingTierName
    price: Money
    original_price: Money | None = strawberry.field(description="Before a discount, if any.")
    features: list[str]

    @classmethod
    def from_model(cls, row: models.CoursePricingTier) -> PricingTier:
        original = row.original_price_minor
        return cls(
            tier=models.PricingTier(row.tier),
            price=Money.of(row.price_minor, row.currency),
            original_price=None if original is None else Money.of(original, row.currency),
            features=[str(f) for f in row.features],
        )


@strawberry.type(description="A downloadable file or a link attached to a course or a lesson.")
class Resource:
    id: strawberry.ID
    title: str
    url: str | None = strawberry.field(description="The link; null for an uploaded file.")
    is_file: bool

    @classmethod
    def from_model(cls, row: models.LessonResource | models.CourseResource) -> Resource:
        return cls(
            id=strawberry.ID(str(row.id)),
            title=row.title,
            url=row.url,
            is_file=row.file_asset_id is not None,
        )


@strawberry.type(description="The teaching material of a lesson.")
class LessonContent:
    text: str | None
    url: str | None


@strawberry.type(description="The person teaching a course: the account and the public profile.")
class Instructor:
    user: User
    profile: strawberry.Private[models.InstructorProfile | None]

    @strawberry.field
    def full_name(self) -> str:
        return self.user.model.full_name

    @strawberry.field
    def title(self) -> str | None:
        return self.profile.title if self.profile else None

    @strawberry.field
    def bio(self) -> str | None:
        return self.profile.bio if self.profile else None

    @strawberry.field
    def expertise(self) -> str | None:
        return self.profile.expertise if self.profile else None

    @strawberry.field
    def experience_years(self) -> int | None:
        return self.profile.experience_years if self.profile else None

    @strawberry.field
    def total_students(self) -> int:
        return self.profile.total_students if self.profile else 0

    @strawberry.field
    def total_courses(self) -> int:
        return self.profile.total_courses if self.profile else 0

    @strawberry.field
    def rating(self) -> float | None:
        rating = self.profile.rating if self.profile else None
        return float(rating) if rating is not None else None

    @strawberry.field
    def review_count(self) -> int:
        return self.profile.review_count if self.profile else 0


@strawberry.type
class Category(relay.Node):
    id: relay.NodeID[str]
    name: str
    slug: str
    description: str | None
    icon: str | None
    color: str | None = strawberry.field(description="#RRGGBB")
    sort_order: int
    is_active: bool
    model: strawberry.Private[models.Category]

    @classmethod
    def from_model(cls, row: models.Category) -> Category:
        return cls(
            id=str(row.id),
            name=row.name,
            slug=row.slug,
            description=row.description,
            icon=row.icon,
            color=row.color,
            sort_order=row.sort_order,
            is_active=row.is_active,
            model=row,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Category | None]:
        ids = [decode_uuid(i) or NOWHERE for i in node_ids]
        found = await info.context.loaders.catalog.categories.load_many(ids)
        return [cls.from_model(c) if c is not None else None for c in found]

    @strawberry.field
    async def parent(self, info: Info) -> Category | None:
        if self.model.parent_id is None:
            return None
        found = await info.context.loaders.catalog.categories.load(self.model.parent_id)
        return Category.from_model(found) if found is not None else None


@strawberry.type(description="A lesson: video, text, quiz or assignment.")
class Lesson(relay.Node):
    id: relay.NodeID[str]
    type: LessonType
    title: str
    description: str | None
    duration_minutes: int
    order_number: int = strawberry.field(description="1-based position within its module.")
    is_preview: bool = strawberry.field(description="Open to everyone who sees the course.")
    model: strawberry.Private[models.Lesson]
    course: strawberry.Private[models.Course]

    @classmethod
    def from_model(cls, row: models.Lesson, course: models.Course) -> Lesson:
        return cls(
            id=str(row.id),
            type=models.LessonType(row.type),
            title=row.title,
            description=row.description,
            duration_minutes=row.duration_minutes,
            order_number=row.order_number,
            is_preview=row.is_preview,
            model=row,
            course=course,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Lesson | None]:
        loaders = info.context.loaders.catalog
        lessons = await loaders.lessons.load_many([decode_uuid(i) or NOWHERE for i in node_ids])
        courses = await visible_courses(
            info, await loaders.courses.load_many([x.course_id if x else NOWHERE for x in lessons])
        )
        return [
            cls.from_model(x, c) if x is not None and c is not None else None
            for x, c in zip(lessons, courses, strict=True)
        ]

    @strawberry.field(description="Null unless the lesson is a preview or you are enrolled.")
    async def content(self, info: Info) -> LessonContent | None:
        if not await sees_content(info, self.course, self.model):
            return None
        return LessonContent(text=self.model.content_text, url=self.model.content_url)

    @strawberry.field(description="True when the content is hidden from you (enroll to open it).")
    async def locked(self, info: Info) -> bool:
        return not await sees_content(info, self.course, self.model)

    @strawberry.field(description="Empty unless the lesson is a preview or you are enrolled.")
    async def resources(self, info: Info) -> list[Resource]:
        if not await sees_content(info, self.course, self.model):
            return []
        rows = await info.context.loaders.catalog.lesson_resources.load(self.model.id)
        return [Resource.from_model(r) for r in rows]

    @strawberry.field
    async def module(self, info: Info) -> CourseModule:
        found = await info.context.loaders.catalog.modules.load(self.model.module_id)
        assert found is not None  # a lesson never outlives its module
        return CourseModule.from_model(found, self.course)


@strawberry.type(description="An ordered part of a course holding lessons.")
class CourseModule(relay.Node):
    id: relay.NodeID[str]
    title: str
    description: str | None
    order_number: int = strawberry.field(description="1-based position within the course.")
    duration_minutes: int
    model: strawberry.Private[models.CourseModule]
    course_model: strawberry.Private[models.Course]

    @classmethod
    def from_model(cls, row: models.CourseModule, course: models.Course) -> CourseModule:
        return cls(
            id=str(row.id),
            title=row.title,
            description=row.description,
            order_number=row.order_number,
            duration_minutes=row.duration_minutes,
            model=row,
            course_model=course,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[CourseModule | None]:
        loaders = info.context.loaders.catalog
        modules = await loaders.modules.load_many([decode_uuid(i) or NOWHERE for i in node_ids])
        courses = await visible_courses(
            info, await loaders.courses.load_many([m.course_id if m else NOWHERE for m in modules])
        )
        return [
            cls.from_model(m, c) if m is not None and c is not None else None
            for m, c in zip(modules, courses, strict=True)
        ]

    @strawberry.field
    async def lessons(self, info: Info) -> list[Lesson]:
        rows = await info.context.loaders.catalog.module_lessons.load(self.model.id)
        return [Lesson.from_model(x, self.course_model) for x in rows]

    @strawberry.field(description="The module to finish before this one, if any.")
    async def prerequisite(self, info: Info) -> CourseModule | None:
        if self.model.prerequisite_module_id is None:
            return None
        found = await info.context.loaders.catalog.modules.load(self.model.prerequisite_module_id)
        return CourseModule.from_model(found, self.course_model) if found is not None else None

    @strawberry.field
    def course(self) -> Course:
        return Course.from_model(self.course_model)


@strawberry.type(description="A course of the catalog.")
class Course(relay.Node):
    id: relay.NodeID[str]
    title: str
    slug: str
    subtitle: str | None
    description: str
    level: CourseLevel
    language: str
    status: CourseStatus
    duration_minutes: int
    image_url: str | None
    trailer_url: str | None
    is_free: bool
    is_certified: bool
    enrollment_limit: int | None
    enrollment_count: int
    average_rating: float | None
    review_count: int
    price: Money = strawberry.field(description="The lowest tier price (0 for a free course).")
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    model: strawberry.Private[models.Course]

    @classmethod
    def from_model(cls, row: models.Course) -> Course:
        rating = row.average_rating
        return cls(
            id=str(row.id),
            title=row.title,
            slug=row.slug,
            subtitle=row.subtitle,
            description=row.description,
            level=models.CourseLevel(row.level),
            language=row.language,
            status=models.CourseStatus(row.status),
            duration_minutes=row.duration_minutes,
            image_url=row.image_url,
            trailer_url=row.trailer_url,
            is_free=row.is_free,
            is_certified=row.is_certified,
            enrollment_limit=row.enrollment_limit,
            enrollment_count=row.enrollment_count,
            average_rating=float(rating) if rating is not None else None,
            review_count=row.review_count,
            price=Money.of(row.min_price_minor, row.currency),
            published_at=row.published_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            model=row,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Course | None]:
        ids = [decode_uuid(i) or NOWHERE for i in node_ids]
        found = await visible_courses(
            info, await info.context.loaders.catalog.courses.load_many(ids)
        )
        return [cls.from_model(c) if c is not None else None for c in found]

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        if self.model.category_id is None:
            return None
        found = await info.context.loaders.catalog.categories.load(self.model.category_id)
        return Category.from_model(found) if found is not None else None

    @strawberry.field
    async def instructor(self, info: Info) -> Instructor:
        user_id = self.model.instructor_id
        user, profile = await asyncio.gather(
            info.context.loaders.accounts.users.load(user_id),
            info.context.loaders.catalog.instructor_profiles.load(user_id),
        )
        assert isinstance(user, UserModel)  # courses.instructor_id is a RESTRICT foreign key
        return Instructor(user=User.from_model(user), profile=profile)

    @strawberry.field
    async def tags(self, info: Info) -> list[Tag]:
        rows = await info.context.loaders.catalog.tags.load(self.model.id)
        return [Tag(name=t.name, slug=t.slug) for t in rows]

    @strawberry.field(description="What a student should know before starting.")
    async def requirements(self, info: Info) -> list[str]:
        return await info.context.loaders.catalog.requirements.load(self.model.id)

    @strawberry.field(description="What a student will be able to do afterwards.")
    async def objectives(self, info: Info) -> list[str]:
        return await info.context.loaders.catalog.objectives.load(self.model.id)

    @strawberry.field(description="Active price levels, cheapest first; empty for a free course.")
    async def pricing_tiers(self, info: Info) -> list[PricingTier]:
        rows = await info.context.loaders.catalog.tiers.load(self.model.id)
        return [PricingTier.from_model(t) for t in rows if t.is_active]

    @strawberry.field(description="In order.")
    async def modules(self, info: Info) -> list[CourseModule]:
        rows = await info.context.loaders.catalog.course_modules.load(self.model.id)
        return [CourseModule.from_model(m, self.model) for m in rows]

    @strawberry.field
    async def lesson_count(self, info: Info) -> int:
        return (await info.context.loaders.catalog.lesson_stats.load(self.model.id)).lesson_count

    @strawberry.field(description="Sum of the lessons' durations.")
    async def total_duration_minutes(self, info: Info) -> int:
        stats = await info.context.loaders.catalog.lesson_stats.load(self.model.id)
        return stats.duration_minutes

    @strawberry.field(description="Course-wide files and links; empty unless you are enrolled.")
    async def resources(self, info: Info) -> list[Resource]:
        if not await sees_course_materials(info, self.model):
            return []
        rows = await info.context.loaders.catalog.course_resources.load(self.model.id)
        return [Resource.from_model(r) for r in rows]

    @strawberry.field(
        description="The reviewer's notes; only for the course's teachers and admins."
    )
    async def review_notes(self, info: Info) -> str | None:
        return self.model.review_notes if await teaches_course(info, self.model) else None

    @strawberry.field(
        description="Your enrollment in this course, in any status (its progress and next "
        "lesson); null when you are not signed in or never enrolled."
    )
    async def viewer_enrollment(
        self, info: Info
    ) -> Annotated[Enrollment, strawberry.lazy("schema.learning.types")] | None:
        from schema.learning.types import viewer_enrollment

        return await viewer_enrollment(info, self.model.id)


@strawberry.input(description="Narrows the course list; every given field must match.")
class CourseFilter:
    category_id: strawberry.ID | None = None
    level: CourseLevel | None = None
    language: str | None = strawberry.field(default=None, description="e.g. en, pt-BR")
    min_price: int | None = strawberry.field(
        default=None, description="Lowest tier price at least this (minor units)."
    )
    max_price: int | None = strawberry.field(
        default=None, description="Lowest tier price at most this (minor units)."
    )
    free: bool | None = None
    min_rating: float | None = strawberry.field(default=None, description="0 to 5.")
    tag: str | None = strawberry.field(default=None, description="A tag's slug or name.")
    instructor_id: strawberry.ID | None = None

    def to_args(self) -> CourseFilterArgs:
        """The plain filter; an undecodable id is a BAD_USER_INPUT error."""
        errors: list[FieldError] = []
        ids: dict[str, uuid.UUID | None] = {}
        for name, value in (("categoryId", self.category_id), ("instructorId", self.instructor_id)):
            ids[name] = None if value is None else decode_uuid(value)
            if value is not None and ids[name] is None:
                errors.append(FieldError(name, "Not a valid ID", "INVALID_ID"))
        if errors:
            raise InvalidFilter(errors)
        return CourseFilterArgs(
            category_id=ids["categoryId"],
            level=self.level,
            language=self.language,
            min_price_minor=self.min_price,
            max_price_minor=self.max_price,
            free=self.free,
            min_rating=self.min_rating,
            tag=self.tag,
            instructor_id=ids["instructorId"],
        )
