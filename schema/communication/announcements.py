"""GraphQL types of announcements: the node, its status enum, and the inputs and payloads of
create / update / delete. Who sees one is `app.communication.announcements.may_read`, decided
here through the per-request loaders (the course, the caller's enrollments and teaching)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from app.communication import announcements as service
from app.communication import models
from app.communication.membership import CourseRole, course_role
from app.errors import NotFound
from app.security.permissions import Actor
from loaders import Loaders
from schema.accounts.types import User
from schema.catalog.types import Course
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id, update
from schema.core.mutation import Payload
from schema.core.relay import ModelNode

strawberry.enum(
    models.AnnouncementStatus,
    name="AnnouncementStatus",
    description="DRAFT: not used by the API yet; SCHEDULED: waits for its publishAt (only its "
    "authors see it); PUBLISHED: visible to its audience.",
)
AnnouncementStatus = models.AnnouncementStatus


async def role_in_course(
    actor: Actor | None, course_id: uuid.UUID, loaders: Loaders
) -> CourseRole | None:
    """The caller's role in the course (None: not a member), read through `loaders`; NOT_FOUND
    when there is no such course."""
    if actor is None:
        return None
    # both loader futures first: one dispatch for the subscribers of a live event
    course_future, access_future = (
        loaders.catalog.courses.load(course_id),
        loaders.catalog.access.load(actor.id),
    )
    course, access = await course_future, await access_future
    if course is None:
        raise NotFound("Course")
    return course_role(actor, course, access)


async def may_read(actor: Actor | None, row: models.Announcement | None, loaders: Loaders) -> bool:
    if row is None or actor is None:
        return False
    role = None
    if row.course_id is not None:
        try:
            role = await role_in_course(actor, row.course_id, loaders)
        except NotFound:
            return False
    return service.may_read(actor, row, role)


@strawberry.type(
    description="A message from a course's instructors to its students, or from the platform's "
    "admins to every user (no course). Members of the course (every signed-in user for a "
    "platform-wide one) see it once published; its course's instructors (admins for "
    "platform-wide ones) also see it while scheduled."
)
class Announcement(ModelNode):
    id: relay.NodeID[str]
    title: str
    body: str = strawberry.field(description="Sanitised HTML (only formatting and links).")
    status: AnnouncementStatus
    publish_at: datetime | None = strawberry.field(
        description="When it was scheduled to be published (null when published at once)."
    )
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    model: strawberry.Private[models.Announcement]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.Announcement | None]:
        return await info.context.loaders.announcements.announcements.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.Announcement | None]
    ) -> Sequence[models.Announcement | None]:
        viewer = await viewer_of(info)
        loaders = info.context.loaders
        shown = await asyncio.gather(*(may_read(viewer, row, loaders) for row in rows))
        return [row if ok else None for row, ok in zip(rows, shown, strict=True)]

    @classmethod
    def from_model(cls, row: models.Announcement) -> Self:
        return cls(
            id=str(row.id),
            title=row.title,
            body=row.body,
            status=AnnouncementStatus(row.status),
            publish_at=row.scheduled_for,
            published_at=row.published_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            model=row,
        )

    @strawberry.field(description="The course; null for a platform-wide announcement.")
    async def course(self, info: Info) -> Course | None:
        if self.model.course_id is None:
            return None
        row = await info.context.loaders.catalog.courses.load(self.model.course_id)
        return Course.from_model(row) if row is not None else None

    @strawberry.field(description="Who wrote it (null once their account is gone).")
    async def author(self, info: Info) -> User | None:
        if self.model.author_id is None:
            return None
        row = await info.context.loaders.accounts.users.load(self.model.author_id)
        return User.from_model(row) if row is not None and row.deleted_at is None else None


@strawberry.input(
    description="A course announcement (its instructors) or, without courseId, a platform-wide "
    "one (admins). Title 1-200 characters; body HTML, sanitised, at most 20,000 characters. "
    "publishAt in the future schedules it; omitted, now or past publishes it at once."
)
class CreateAnnouncementInput(Input):
    course_id: strawberry.ID | None = node_id("Course", default=None)
    title: str
    body: str
    publish_at: datetime | None = None


@strawberry.type
class CreateAnnouncementPayload(Payload):
    announcement: Announcement | None = None


@strawberry.input(
    description="Change an announcement (its course's instructors; admins for platform-wide "
    "ones). Omitted fields are kept. publishAt moves a scheduled one (now or past publishes it "
    "at once); a published one refuses it (ANNOUNCEMENT_PUBLISHED)."
)
class UpdateAnnouncementInput(Input):
    announcement_id: strawberry.ID = node_id("Announcement")
    title: str | None = update(nullable=False)
    body: str | None = update(nullable=False)
    publish_at: datetime | None = update(nullable=False)


@strawberry.type
class UpdateAnnouncementPayload(Payload):
    announcement: Announcement | None = None


@strawberry.input(description="Delete an announcement, whatever its status.")
class DeleteAnnouncementInput(Input):
    announcement_id: strawberry.ID = node_id("Announcement")


@strawberry.type
class DeleteAnnouncementPayload(Payload):
    deleted_announcement_id: strawberry.ID | None = strawberry.field(
        default=None, description="The global id of the deleted announcement."
    )
