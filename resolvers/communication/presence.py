"""Root fields of presence (communication domain): `onlineUsers(courseId)` and the
`userPresence(courseId)` subscription that keeps its caller present while it runs."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncGenerator

import strawberry
from redis.exceptions import RedisError

from app.communication import presence as service
from app.errors import Forbidden, Unauthenticated
from app.live import LiveEvent
from app.security.permissions import Actor
from loaders import Loaders
from schema.accounts.types import User
from schema.communication.announcements import role_in_course
from schema.communication.presence import OnlineUsers, PresenceEvent
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.live import live
from schema.core.relay import node_uuid, raw_uuid


async def _member(actor: Actor | None, course_id: uuid.UUID, loaders: Loaders) -> Actor:
    if actor is None:
        raise Unauthenticated()
    if await role_in_course(actor, course_id, loaders) is None:
        raise Forbidden("Only the course's students and instructors")
    return actor


@strawberry.type
class Query:
    @strawberry.field(
        description="Who is present in the course now (its students with access and its "
        "instructors only; FORBIDDEN for anyone else). Best-effort, from live clients' "
        "userPresence subscriptions."
    )
    async def online_users(self, info: Info, course_id: strawberry.ID) -> OnlineUsers | None:
        actor = await require_actor(info)
        course = node_uuid(course_id, "Course")
        await _member(actor, course, info.context.loaders)
        count, ids = await service.online(info.context.redis, course)
        rows = await info.context.loaders.accounts.users.load_many(ids)
        users = [User.from_model(r) for r in rows if r is not None and r.deleted_at is None]
        return OnlineUsers(count=count, users=users)


@strawberry.type
class Mutation:
    pass


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Be present in the course while subscribed (heartbeats every 20 s; gone "
        "after 60 s without one) and receive who joins and leaves. Its students with access "
        "and its instructors only (checked again for every event). Best-effort: events are not "
        "stored, nor replayed; read onlineUsers after subscribing."
    )
    async def user_presence(
        self, info: Info, course_id: strawberry.ID
    ) -> AsyncGenerator[PresenceEvent, None]:
        course = node_uuid(course_id, "Course")
        redis = info.context.redis
        present: list[Actor] = []

        async def authorize(actor: Actor | None, loaders: Loaders) -> None:
            member = await _member(actor, course, loaders)
            if not present:
                present.append(member)

        async def heartbeat() -> None:
            if present:
                await service.beat(redis, course, present[0].id)

        async def build(
            event: LiveEvent, loaders: Loaders, actor: Actor | None
        ) -> PresenceEvent | None:
            if event.data.get("type") != service.EVENT_TYPE:
                return None
            user_id = raw_uuid(str(event.data.get("user_id")))
            row = None if user_id is None else await loaders.accounts.users.load(user_id)
            if row is None:
                return None
            return PresenceEvent(
                user=User.from_model(row),
                online=bool(event.data.get("online")),
                online_count=int(event.data.get("online_count", 0)),
            )

        try:
            async for value in live(
                info,
                service.channel(course),
                authorize=authorize,
                build=build,
                heartbeat=heartbeat,
                heartbeat_seconds=service.HEARTBEAT_SECONDS,
            ):
                yield value
        finally:
            if present:
                with contextlib.suppress(RedisError, OSError):
                    await service.leave(redis, course, present[0].id)
