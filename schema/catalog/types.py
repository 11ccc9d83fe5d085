"""GraphQL types of the catalog: courses, modules, lessons, categories, instructors, prices.

Every relation field resolves through the per-request loaders (`info.context.loaders.catalog`),
never with SQL of its own, so a page of courses with all its relations runs a fixed number of
statements. Who may see what is decided by `app.catalog.visibility` (see `schema.catalog.access`):
`Course`, `CourseModule`, `Lesson` and `Category` are `ModelNode`s whose `visible` applies it, so
`node`/`nodes` and the root fields hide what the viewer may not see. Amounts are `Money`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from app.catalog import models
from app.catalog.visibility import manages_courses
from app.cms.reviews import ReviewSort
from app.media import attached_url
from schema.catalog.access import (
    sees_content,
    sees_course_materials,
    teaches_course,
    visible_courses,
)
from schema.catalog.enums import CourseLevel, CourseSort, CourseStatus, LessonType, PricingTierName
from schema.catalog.inputs import CourseFilter
from schema.catalog.video import LessonVideo, lesson_video
from schema.cms.reviews import (
    RatingSummary,
    Review,
    ReviewFilter,
    course_reviews,
    rating_summary,
    viewer_review,
)
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.money import Money
from schema.core.relay import NOWHERE, Connection, ModelNode, found

if TYPE_CHECKING:
    from schema.catalog.instructors import CourseTeacher, Instructor
    from schema.learning.types import Enrollment

InstructorRef = Annotated["Instructor", strawberry.lazy("schema.catalog.instructors")]
CourseTeacherRef = Annotated["CourseTeacher", strawberry.lazy("schema.catalog.instructors")]

# other domains' types use these names from here (searchCourses takes the same filter)
__all__ = [
    "Category",
    "Course",
    "CourseFilter",
    "CourseLevel",
    "CourseModule",
    "CourseSort",
    "CourseStatus",
    "Lesson",
    "LessonContent",
    "LessonType",
    "PricingTier",
    "PricingTierName",
    "Resource",
    "Tag",
]


async def _courses_of(info: Info, rows: Sequence[Any]) -> list[models.Course | None]:
    """The course of each row (a module or a lesson), None where the viewer may not see it."""
    loader = info.context.loaders.catalog.courses
    return await visible_courses(
        info, await loader.load_many([NOWHERE if r is None else r.course_id for r in rows])
    )


async def _shown_with_course(info: Info, rows: Sequence[Any]) -> list[Any]:
    courses = await _courses_of(info, rows)
    return [r if c is not None else None for r, c in zip(rows, courses, strict=True)]


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
        return cls(
            tier=models.PricingTier(row.tier),
            price=Money.of(row.price_minor, row.currency),
            original_price=Money.maybe(row.original_price_minor, row.currency),
            features=[str(f) for f in row.features],
        )


@strawberry.type(description="A downloadable file or a link attached to a course or a lesson.")
class Resource:
    id: strawberry.ID = strawberry.field(
        description="A plain UUID (resources are not nodes): what `deleteResource` takes."
    )
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


@strawberry.type(description="A group of courses; inactive ones are seen by admins only.")
class Category(ModelNode):
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
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.Category | None]:
        return await info.context.loaders.catalog.categories.load_many(ids)

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> Sequence[Any]:
        if all(row is None or row.is_active for row in rows):
            return rows
        admin = manages_courses(await viewer_of(info))
        return [row if row is not None and (row.is_active or admin) else None for row in rows]

    @classmethod
    def from_model(cls, row: models.Category) -> Self:
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
    async def lookup_slug(cls, info: Info, slug: str) -> Self:
        """The category with this slug, else NOT_FOUND."""
        row = await info.context.loaders.catalog.categories_by_slug.load(slug.strip().lower())
        shown = (await cls.visible(info, [row]))[0]
        return found(None if shown is None else cls.from_model(shown), "Category")

    @strawberry.field
    async def parent(self, info: Info) -> Category | None:
        if self.model.parent_id is None:
            return None
        row = await info.context.loaders.catalog.categories.load(self.model.parent_id)
        return None if row is None else Category.from_model(row)


@strawberry.type(description="A lesson: video, text, quiz or assignment.")
class Lesson(ModelNode):
    id: relay.NodeID[str]
    type: LessonType
    title: str
    description: str | None
    duration_minutes: int
    order_number: int = strawberry.field(description="1-based position within its module.")
    is_preview: bool = strawberry.field(description="Open to everyone who sees the course.")
    model: strawberry.Private[models.Lesson]
    # the lesson's course when the caller already holds it; otherwise read through the loader
    course_model: strawberry.Private[models.Course | None] = None

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.Lesson | None]:
        return await info.context.loaders.catalog.lessons.load_many(ids)

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> Sequence[Any]:
        return await _shown_with_course(info, rows)

    @classmethod
    def from_model(cls, row: models.Lesson, course: models.Course | None = None) -> Self:
        return cls(
            id=str(row.id),
            type=models.LessonType(row.type),
            title=row.title,
            description=row.description,
            duration_minutes=row.duration_minutes,
            order_number=row.order_number,
            is_preview=row.is_preview,
            model=row,
            course_model=course,
        )

    async def _course(self, info: Info) -> models.Course:
        if self.course_model is not None:
            return self.course_model
        course = await info.context.loaders.catalog.courses.load(self.model.course_id)
        assert course is not None  # a lesson never outlives its course
        return course

    async def _open(self, info: Info) -> bool:
        return await sees_content(info, await self._course(info), self.model)

    @strawberry.field(description="Null unless the lesson is a preview or you are enrolled.")
    async def content(self, info: Info) -> LessonContent | None:
        if not await self._open(info):
            return None
        return LessonContent(text=self.model.content_text, url=self.model.content_url)

    @strawberry.field(
        description="The video of a video lesson: status and duration for everyone who sees the "
        "lesson; stream and captions once you may open it."
    )
    async def video(self, info: Info) -> LessonVideo | None:
        return await lesson_video(info, self.model, await self._course(info))

    @strawberry.field(description="True when the content is hidden from you (enroll to open it).")
    async def locked(self, info: Info) -> bool:
        return not await self._open(info)

    @strawberry.field(description="Empty unless the lesson is a preview or you are enrolled.")
    async def resources(self, info: Info) -> list[Resource]:
        if not await self._open(info):
            return []
        rows = await info.context.loaders.catalog.lesson_resources.load(self.model.id)
        return [Resource.from_model(r) for r in rows]

    @strawberry.field
    async def module(self, info: Info) -> CourseModule:
        row = await info.context.loaders.catalog.modules.load(self.model.module_id)
        assert row is not None  # a lesson never outlives its module
        return CourseModule.from_model(row, self.course_model)


@strawberry.type(description="An ordered part of a course holding lessons.")
class CourseModule(ModelNode):
    id: relay.NodeID[str]
    title: str
    description: str | None
    order_number: int = strawberry.field(description="1-based position within the course.")
    model: strawberry.Private[models.CourseModule]
    # the module's course when the caller already holds it; otherwise read through the loader
    course_model: strawberry.Private[models.Course | None] = None

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.CourseModule | None]:
        return await info.context.loaders.catalog.modules.load_many(ids)

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> Sequence[Any]:
        return await _shown_with_course(info, rows)

    @classmethod
    def from_model(cls, row: models.CourseModule, course: models.Course | None = None) -> Self:
        return cls(
            id=str(row.id),
            title=row.title,
            description=row.description,
            order_number=row.order_number,
            model=row,
            course_model=course,
        )

    async def _lessons(self, info: Info) -> list[models.Lesson]:
        return await info.context.loaders.catalog.module_lessons.load(self.model.id)

    @strawberry.field(description="In order.")
    async def lessons(self, info: Info) -> list[Lesson]:
        return [Lesson.from_model(x, self.course_model) for x in await self._lessons(info)]

    @strawberry.field(description="The sum of its lessons' durations.")
    async def duration_minutes(self, info: Info) -> int:
        return sum(x.duration_minutes for x in await self._lessons(info))

    @strawberry.field(description="The module to finish before this one, if any.")
    async def prerequisite(self, info: Info) -> CourseModule | None:
        if self.model.prerequisite_module_id is None:
            return None
        row = await info.context.loaders.catalog.modules.load(self.model.prerequisite_module_id)
        return None if row is None else CourseModule.from_model(row, self.course_model)

    @strawberry.field
    async def course(self, info: Info) -> Course:
        if self.course_model is not None:
            return Course.from_model(self.course_model)
        row = await info.context.loaders.catalog.courses.load(self.model.course_id)
        assert row is not None  # a module never outlives its course
        return Course.from_model(row)


@strawberry.type(description="A course of the catalog.")
class Course(ModelNode):
    id: relay.NodeID[str]
    title: str
    slug: str
    subtitle: str | None
    description: str
    level: CourseLevel
    language: str
    status: CourseStatus
    trailer_url: str | None
    is_free: bool
    is_certified: bool = strawberry.field(description="Completing it earns a certificate.")
    requires_final_exam: bool = strawberry.field(
        description="Completing it needs its final exam passed, beside every lesson."
    )
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
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.Course | None]:
        return await info.context.loaders.catalog.courses.load_many(ids)

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> Sequence[Any]:
        return await visible_courses(info, rows)

    @classmethod
    def from_model(cls, row: models.Course) -> Self:
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
            trailer_url=row.trailer_url,
            is_free=row.is_free,
            is_certified=row.is_certified,
            requires_final_exam=row.requires_final_exam,
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
    async def lookup_slug(cls, info: Info, slug: str) -> Self:
        """The course with this slug, else NOT_FOUND (also when the viewer may not see it)."""
        row = await info.context.loaders.catalog.courses_by_slug.load(slug.strip().lower())
        shown = (await cls.visible(info, [row]))[0]
        return found(None if shown is None else cls.from_model(shown), "Course")

    @strawberry.field(description="The sum of the lessons' durations.")
    async def duration_minutes(self, info: Info) -> int:
        stats = await info.context.loaders.catalog.lesson_stats.load(self.model.id)
        return stats.duration_minutes

    @strawberry.field
    async def lesson_count(self, info: Info) -> int:
        return (await info.context.loaders.catalog.lesson_stats.load(self.model.id)).lesson_count

    @strawberry.field(description="Where to read the course image; null when it has none.")
    async def image_url(self, info: Info) -> str | None:
        if self.model.image_asset_id is None:
            return None
        asset = await info.context.loaders.media.assets.load(self.model.image_asset_id)
        return attached_url(info.context.storage, asset)

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        if self.model.category_id is None:
            return None
        row = await info.context.loaders.catalog.categories.load(self.model.category_id)
        return None if row is None else Category.from_model(row)

    @strawberry.field(description="The owner (with their public page, if any).")
    async def instructor(self, info: Info) -> InstructorRef:
        from schema.catalog.instructors import Instructor

        user_id = self.model.instructor_id
        profile = await info.context.loaders.catalog.instructor_profiles.load(user_id)
        return Instructor.of(user_id, profile)

    @strawberry.field(
        description="Everyone who teaches it: the owner first, then co-instructors and teaching "
        "assistants in the order they joined."
    )
    async def instructors(self, info: Info) -> list[CourseTeacherRef]:
        from schema.catalog.instructors import course_teachers

        return await course_teachers(info, self.model)

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

    @strawberry.field(
        description="The course's visible reviews (newest first by default), one page."
    )
    async def reviews(
        self,
        info: Info,
        filter: ReviewFilter | None = None,
        sort: ReviewSort = ReviewSort.NEWEST,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Review]:
        return await course_reviews(info, self.model, filter, sort, first, after)

    @strawberry.field(description="Average, count and histogram of the visible reviews.")
    async def rating_summary(self, info: Info) -> RatingSummary:
        return await rating_summary(info, self.model.id)

    @strawberry.field(
        description="Your review of this course, hidden or not; null when anonymous or none."
    )
    async def viewer_review(self, info: Info) -> Review | None:
        return await viewer_review(info, self.model.id)
