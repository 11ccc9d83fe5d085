"""GraphQL types of instructors: the public page (`Instructor`), a course's teaching team
(`CourseTeacher`) and applications to teach (`InstructorApplication`).

`Instructor` is the person teaching a course as much as their page: its id is the user's (as an
`Instructor` global id); `node(id:)` and `instructor(id | slug)` answer for public pages only
(an approved instructor's profile, account active, still an instructor or admin), while
`Course.instructor` always names the owner. Counts and the rating are computed from the courses
they teach (`app.catalog.teaching_sql`) through one batched loader.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from app.accounts.models import User as UserModel
from app.catalog import models
from app.catalog.instructor_fields import SocialKind
from app.media import attached_url
from app.pagination import Page, PageRequest
from app.security.permissions import Permission, has_permission
from schema.accounts import User
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.relay import Connection, ModelNode, found

if TYPE_CHECKING:
    from schema.catalog.types import Course

strawberry.enum(SocialKind, name="SocialLinkKind", description="Where a social link points.")
strawberry.enum(
    models.InstructorApplicationStatus,
    name="InstructorApplicationStatus",
    description="PENDING until an admin approves or rejects it.",
)
strawberry.enum(
    models.CourseInstructorRole,
    name="CourseInstructorRole",
    description="A role on a course's team beside its owner: a CO_INSTRUCTOR edits content "
    "and grades; a TEACHING_ASSISTANT grades.",
)

CourseRef = Annotated["Course", strawberry.lazy("schema.catalog.types")]


@strawberry.enum(description="A person's role in teaching a course.")
class CourseTeacherRole(enum.Enum):
    OWNER = "owner"
    CO_INSTRUCTOR = "co_instructor"
    TEACHING_ASSISTANT = "teaching_assistant"


@strawberry.type(description="A link to the instructor elsewhere (https).")
class SocialLink:
    kind: SocialKind
    url: str


def social_links_of(stored: dict[str, str]) -> list[SocialLink]:
    return [SocialLink(kind=k, url=stored[k.value]) for k in SocialKind if k.value in stored]


@strawberry.type(description="A person who teaches: their public page and what it counts.")
class Instructor(ModelNode):
    id: relay.NodeID[str] = strawberry.field(description="An `Instructor` id (of the user).")
    user_id: strawberry.Private[uuid.UUID]
    profile: strawberry.Private[models.InstructorProfile | None]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[Any]:
        return await info.context.loaders.catalog.public_instructors.load_many(ids)

    @classmethod
    def from_model(cls, row: models.InstructorProfile) -> Self:
        return cls(id=str(row.user_id), user_id=row.user_id, profile=row)

    @classmethod
    def of(cls, user_id: uuid.UUID, profile: models.InstructorProfile | None) -> Self:
        return cls(id=str(user_id), user_id=user_id, profile=profile)

    @classmethod
    async def lookup_slug(cls, info: Info, slug: str) -> Self:
        loader = info.context.loaders.catalog.public_instructors_by_slug
        row = await loader.load(slug.strip().lower())
        return found(None if row is None else cls.from_model(row), "Instructor")

    async def _user(self, info: Info) -> UserModel:
        user = await info.context.loaders.accounts.users.load(self.user_id)
        assert isinstance(user, UserModel)  # profiles and courses keep their user
        return user

    @strawberry.field(description="The account; its private fields follow the usual rules.")
    async def user(self, info: Info) -> User:
        return User.from_model(await self._user(info))

    @strawberry.field
    async def full_name(self, info: Info) -> str:
        return (await self._user(info)).full_name

    @strawberry.field(description="Where the public page is (`instructor(slug:)`); null: none.")
    def slug(self) -> str | None:
        return self.profile.slug if self.profile and self.profile.is_public else None

    @strawberry.field(description="One line under the name (plain text).")
    def headline(self) -> str | None:
        return self.profile.title if self.profile else None

    @strawberry.field(deprecation_reason="Use `headline`.")
    def title(self) -> str | None:
        return self.profile.title if self.profile else None

    @strawberry.field(description="Cleaned HTML (see Text in docs/api.md).")
    def bio(self) -> str | None:
        return self.profile.bio if self.profile else None

    @strawberry.field(description="Topics, in the instructor's order.")
    def expertise(self) -> list[str]:
        return list(self.profile.expertise) if self.profile else []

    @strawberry.field
    def experience_years(self) -> int | None:
        return self.profile.experience_years if self.profile else None

    @strawberry.field(description="In the order of `SocialLinkKind`.")
    def social_links(self) -> list[SocialLink]:
        return social_links_of(self.profile.social_links) if self.profile else []

    @strawberry.field(description="The stable public URL of the avatar; null without one.")
    async def avatar_url(self, info: Info) -> str | None:
        if self.profile is None or self.profile.avatar_asset_id is None:
            return None
        asset = await info.context.loaders.media.assets.load(self.profile.avatar_asset_id)
        return attached_url(info.context.storage, asset)

    async def _stats(self, info: Info) -> Any:
        return await info.context.loaders.catalog.instructor_stats.load(self.user_id)

    @strawberry.field(description="Published courses they own or co-instruct.")
    async def total_courses(self, info: Info) -> int:
        return int((await self._stats(info)).course_count)

    @strawberry.field(description="Distinct students enrolled (active or completed) in them.")
    async def total_students(self, info: Info) -> int:
        return int((await self._stats(info)).student_count)

    @strawberry.field(description="Reviews of those courses.")
    async def review_count(self, info: Info) -> int:
        return int((await self._stats(info)).review_count)

    @strawberry.field(
        description="The courses' average ratings weighted by their review counts (2 "
        "decimals); null without reviews."
    )
    async def rating(self, info: Info) -> float | None:
        rating = (await self._stats(info)).rating
        return None if rating is None else float(rating)

    @strawberry.field(description="Published courses they teach, most recently published first.")
    async def courses(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[CourseRef]:
        from schema.catalog.types import Course

        request = PageRequest.create(first=first, after=after)
        loaders = info.context.loaders.catalog
        page = await loaders.taught_courses.load((self.user_id, request.size, request.after))
        rows = await loaders.courses.load_many(page.items)
        shown = [row for row in rows if row is not None]
        cursors = [c for c, row in zip(page.cursors, rows, strict=True) if row is not None]
        stats = await self._stats(info)
        courses = Page(shown, cursors, page.has_next, page.has_previous, stats.course_count)
        return Connection[Course].from_page(courses, Course.from_model)


@strawberry.type(description="Someone who teaches a course, and how.")
class CourseTeacher:
    instructor: Instructor
    role: CourseTeacherRole


async def course_teachers(info: Info, course: models.Course) -> list[CourseTeacher]:
    """The owner first, then co-instructors and teaching assistants in the order they joined."""
    team = await info.context.loaders.catalog.teams.load(course.id)
    ids = [course.instructor_id, *(m.user_id for m in team)]
    roles = [CourseTeacherRole.OWNER, *(CourseTeacherRole(m.role) for m in team)]
    profiles = await info.context.loaders.catalog.instructor_profiles.load_many(ids)
    return [
        CourseTeacher(instructor=Instructor.of(i, p), role=r)
        for i, p, r in zip(ids, profiles, roles, strict=True)
    ]


@strawberry.type(description="A request to teach, decided by an admin.")
class InstructorApplication(ModelNode):
    id: relay.NodeID[str]
    headline: str
    bio: str = strawberry.field(description="Cleaned HTML.")
    expertise: list[str]
    experience_years: int | None
    social_links: list[SocialLink]
    motivation: str | None
    status: models.InstructorApplicationStatus
    rejection_reason: str | None = strawberry.field(description="Why it was rejected.")
    created_at: datetime
    decided_at: datetime | None
    model: strawberry.Private[models.InstructorApplication]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[Any]:
        return await info.context.loaders.catalog.applications.load_many(ids)

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> Sequence[Any]:
        """The applicant's own, and every one for admins."""
        viewer = await viewer_of(info)
        if viewer is None:
            return [None for _ in rows]
        admin = has_permission(viewer, Permission.USERS_MANAGE)
        return [r if r is not None and (admin or r.user_id == viewer.id) else None for r in rows]

    @classmethod
    def from_model(cls, row: models.InstructorApplication) -> Self:
        return cls(
            id=str(row.id),
            headline=row.headline,
            bio=row.bio,
            expertise=list(row.expertise),
            experience_years=row.experience_years,
            social_links=social_links_of(row.social_links),
            motivation=row.motivation,
            status=models.InstructorApplicationStatus(row.status),
            rejection_reason=row.rejection_reason,
            created_at=row.created_at,
            decided_at=row.decided_at,
            model=row,
        )

    @strawberry.field(description="The applicant.")
    async def user(self, info: Info) -> User:
        user = await info.context.loaders.accounts.users.load(self.model.user_id)
        assert isinstance(user, UserModel)
        return User.from_model(user)
