"""Root fields of announcements (communication domain): the list, create / update / delete, and
the `announcementPublished` subscription."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

import strawberry
from strawberry.relay import to_base64

from app.communication import announcements as service
from app.errors import Forbidden, Unauthenticated
from app.live import LiveEvent
from app.pagination import PageRequest
from app.security.permissions import Actor
from loaders import Loaders
from schema.communication.announcements import (
    Announcement,
    CreateAnnouncementInput,
    CreateAnnouncementPayload,
    DeleteAnnouncementInput,
    DeleteAnnouncementPayload,
    UpdateAnnouncementInput,
    UpdateAnnouncementPayload,
    may_read,
    role_in_course,
)
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.live import live
from schema.core.mutation import Tx, mutation
from schema.core.relay import NOWHERE, Connection, node_uuid, raw_uuid, selects_total_count


@strawberry.type
class Query:
    @strawberry.field(
        description="Announcements, newest first. With courseId: the course's (its students "
        "with access and its instructors; FORBIDDEN for anyone else); its instructors also see "
        "scheduled ones. Without: the platform-wide ones (any signed-in user; admins also see "
        "scheduled ones)."
    )
    async def announcements(
        self,
        info: Info,
        course_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Announcement]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        course = None if course_id is None else node_uuid(course_id, "Course")
        async with info.context.db.session() as session:
            page = await service.list_announcements(
                session,
                actor=actor,
                course_id=course,
                request=request,
                with_total=selects_total_count(info),
            )
        info.context.loaders.announcements.prime(page.items)
        return Connection[Announcement].from_page(page, Announcement.from_model)


@strawberry.type
class Mutation:
    @mutation(
        description="Announce to a course (its instructors) or, without courseId, to the whole "
        "platform (admins): published now, or scheduled by publishAt and published by the "
        "worker. Publishing notifies every student with access (every active user for "
        "platform-wide ones) and emits announcementPublished. REQUIRED, TOO_LONG; "
        "RATE_LIMITED past 30 an hour."
    )
    async def create_announcement(
        self, info: Info, input: CreateAnnouncementInput, tx: Tx
    ) -> CreateAnnouncementPayload:
        row = await service.create_announcement(
            tx.session, actor=tx.actor, redis=info.context.redis, **input.arguments()
        )
        return CreateAnnouncementPayload(announcement=Announcement.from_model(row))

    @mutation(
        description="Change an announcement's title, body or (while scheduled) publishAt "
        "(ANNOUNCEMENT_PUBLISHED once published; REQUIRED, TOO_LONG)."
    )
    async def update_announcement(
        self, info: Info, input: UpdateAnnouncementInput, tx: Tx
    ) -> UpdateAnnouncementPayload:
        row = await service.update_announcement(tx.session, actor=tx.actor, **input.arguments())
        return UpdateAnnouncementPayload(announcement=Announcement.from_model(row))

    @mutation(description="Delete an announcement (notifications already sent stay).")
    async def delete_announcement(
        self, info: Info, input: DeleteAnnouncementInput, tx: Tx
    ) -> DeleteAnnouncementPayload:
        deleted = await service.delete_announcement(tx.session, actor=tx.actor, **input.arguments())
        return DeleteAnnouncementPayload(
            deleted_announcement_id=strawberry.ID(to_base64("Announcement", str(deleted)))
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Announcements of a course as they are published (its students with access "
        "and its instructors; checked again for every event: a withdrawn student's subscription "
        "ends with FORBIDDEN), or without courseId the platform-wide ones (any signed-in user)."
    )
    async def announcement_published(
        self, info: Info, course_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Announcement, None]:
        course = None if course_id is None else node_uuid(course_id, "Course")

        async def authorize(actor: Actor | None, loaders: Loaders) -> None:
            if actor is None:
                raise Unauthenticated()
            if course is not None and await role_in_course(actor, course, loaders) is None:
                raise Forbidden("Only the course's students and instructors receive these")

        def prefetch(event: LiveEvent, loaders: Loaders, viewer: uuid.UUID | None) -> None:
            loaders.announcements.announcements.load(_announcement_of(event))
            if course is not None and viewer is not None:
                loaders.catalog.courses.load(course)
                loaders.catalog.access.load(viewer)

        async def build(
            event: LiveEvent, loaders: Loaders, actor: Actor | None
        ) -> Announcement | None:
            if event.data.get("type") != service.EVENT_TYPE:
                return None
            row = await loaders.announcements.announcements.load(_announcement_of(event))
            if row is None or not await may_read(actor, row, loaders):
                return None
            # one value per event row: subscribers with the same selection share its result
            key = ("announcement", row.id)
            node: Announcement | None = event.memo.get(key)
            if node is None:
                node = event.memo[key] = Announcement.from_model(row)
            return node

        async for value in live(
            info, service.channel(course), authorize=authorize, build=build, prefetch=prefetch
        ):
            yield value


def _announcement_of(event: LiveEvent) -> uuid.UUID:
    return raw_uuid(str(event.data.get("announcement_id"))) or NOWHERE
