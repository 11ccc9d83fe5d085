"""Root fields of discussions (communication domain): read the caller, call one service or loader,
map the result. The rules are in `app.communication.discussions`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

import strawberry

from app import live
from app.communication import discussions as service
from app.communication.membership import course_role
from app.errors import NotFound, Unauthenticated
from app.pagination import PageRequest
from app.security.permissions import Actor
from loaders import Loaders
from schema.communication.discussions import (
    MEMBERS,
    AcceptSolutionInput,
    AcceptSolutionPayload,
    CreateDiscussionThreadInput,
    CreateDiscussionThreadPayload,
    DeletePostInput,
    DeletePostPayload,
    DiscussionPost,
    DiscussionThread,
    DiscussionThreadFilter,
    EditPostInput,
    EditPostPayload,
    LockThreadInput,
    LockThreadPayload,
    PinThreadInput,
    PinThreadPayload,
    ReplyToPostInput,
    ReplyToPostPayload,
    ReportPostInput,
    ReportPostPayload,
    VotePostInput,
    VotePostPayload,
)
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.live import Authorize, Build
from schema.core.live import live as live_stream
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, node_uuid, selects_total_count


@strawberry.type
class Query:
    @strawberry.field(
        description="A course's discussion threads: pinned first, then the latest activity "
        "first. For the course's members (FORBIDDEN for anyone else). " + MEMBERS
    )
    async def discussion_threads(
        self,
        info: Info,
        course_id: strawberry.ID,
        filter: DiscussionThreadFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DiscussionThread]:
        actor = await require_actor(info)
        where = filter.to_filter() if filter is not None else service.ThreadFilter()
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.list_threads(
                session,
                actor=actor,
                course_id=node_uuid(course_id, "Course"),
                where=where,
                request=request,
                with_total=selects_total_count(info),
            )
        info.context.loaders.discussions.prime_threads(page.items)
        return Connection[DiscussionThread].from_page(page, DiscussionThread.from_model)

    @strawberry.field(
        description="A discussion thread; null (with NOT_FOUND) for anyone but its course's "
        "members, and once deleted."
    )
    async def discussion_thread(self, info: Info, id: strawberry.ID) -> DiscussionThread | None:
        await require_actor(info)
        return await DiscussionThread.lookup(info, id)


@strawberry.type
class Mutation:
    @mutation(
        description="Start a thread in a course you take part in (FORBIDDEN otherwise). Title "
        "plain text ≤ 200, body sanitised HTML ≤ 20,000 (REQUIRED, TOO_LONG); a lesson of "
        "another course is INVALID. Rate limited (RATE_LIMITED)."
    )
    async def create_discussion_thread(
        self, info: Info, input: CreateDiscussionThreadInput, tx: Tx
    ) -> CreateDiscussionThreadPayload:
        row = await service.create_thread(
            tx.session, info.context.redis, actor=tx.actor, **input.arguments()
        )
        return CreateDiscussionThreadPayload(thread=DiscussionThread.from_model(row))

    @mutation(
        description="Reply to a thread or to one of its posts. Notifies the thread's author and "
        "the parent post's author (DISCUSSION_REPLY) and the thread's live subscribers. "
        "THREAD_LOCKED, WRONG_THREAD, REQUIRED, TOO_LONG; rate limited (RATE_LIMITED)."
    )
    async def reply_to_post(
        self, info: Info, input: ReplyToPostInput, tx: Tx
    ) -> ReplyToPostPayload:
        row = await service.reply(
            tx.session, info.context.redis, actor=tx.actor, **input.arguments()
        )
        return ReplyToPostPayload(post=DiscussionPost.from_model(row))

    @mutation(
        description="Rewrite your post (FORBIDDEN for anyone else); the previous text is kept "
        "for moderation. THREAD_LOCKED, POST_DELETED, REQUIRED, TOO_LONG."
    )
    async def edit_post(self, info: Info, input: EditPostInput, tx: Tx) -> EditPostPayload:
        row = await service.edit_post(tx.session, actor=tx.actor, **input.arguments())
        return EditPostPayload(post=DiscussionPost.from_model(row))

    @mutation(
        description="Delete a post: yours, or any in a course you teach (FORBIDDEN otherwise). "
        "Soft: it keeps its place in the tree with its replies, its body is no longer shown."
    )
    async def delete_post(self, info: Info, input: DeletePostInput, tx: Tx) -> DeletePostPayload:
        row = await service.delete_post(tx.session, actor=tx.actor, **input.arguments())
        return DeletePostPayload(post=DiscussionPost.from_model(row))

    @mutation(
        description="Vote for a post; voting again takes the vote back (one vote per user per "
        "post). POST_DELETED."
    )
    async def vote_post(self, info: Info, input: VotePostInput, tx: Tx) -> VotePostPayload:
        row, voted = await service.vote_post(tx.session, actor=tx.actor, **input.arguments())
        return VotePostPayload(post=DiscussionPost.from_model(row), voted=voted)

    @mutation(
        description="The course's instructors: accept a reply as its thread's solution "
        "(FORBIDDEN for students); accepting another moves it. The author is notified "
        "(SOLUTION_ACCEPTED). POST_DELETED."
    )
    async def accept_solution(
        self, info: Info, input: AcceptSolutionInput, tx: Tx
    ) -> AcceptSolutionPayload:
        row = await service.accept_solution(tx.session, actor=tx.actor, **input.arguments())
        return AcceptSolutionPayload(post=DiscussionPost.from_model(row))

    @mutation(description="The course's instructors: pin a thread or unpin it (FORBIDDEN).")
    async def pin_thread(self, info: Info, input: PinThreadInput, tx: Tx) -> PinThreadPayload:
        row = await service.pin_thread(tx.session, actor=tx.actor, **input.arguments())
        return PinThreadPayload(thread=DiscussionThread.from_model(row))

    @mutation(
        description="The course's instructors: lock a thread (no new replies or edits; live "
        "subscribers of the thread are ended) or unlock it (FORBIDDEN)."
    )
    async def lock_thread(self, info: Info, input: LockThreadInput, tx: Tx) -> LockThreadPayload:
        row = await service.lock_thread(tx.session, actor=tx.actor, **input.arguments())
        return LockThreadPayload(thread=DiscussionThread.from_model(row))

    @mutation(description="Report a post you can see to the moderators (once: ALREADY_REPORTED).")
    async def report_post(self, info: Info, input: ReportPostInput, tx: Tx) -> ReportPostPayload:
        await service.report_post(tx.session, actor=tx.actor, **input.arguments())
        return ReportPostPayload(reported=True)


class _Locked:
    """What a subscription event becomes once its thread is locked: the subscription ends."""


LOCKED = _Locked()


def _thread_access(thread_id: uuid.UUID) -> Authorize:
    async def authorize(actor: Actor | None, loaders: Loaders) -> None:
        if actor is None:
            raise Unauthenticated()
        thread = await loaders.discussions.threads.load(thread_id)
        if thread is None or thread.deleted_at is not None:
            raise NotFound("DiscussionThread")
        course = await loaders.catalog.courses.load(thread.course_id)
        access = await loaders.catalog.access.load(actor.id)
        if course is None or course_role(actor, course, access) is None:
            raise NotFound("DiscussionThread")

    return authorize


def _new_post(thread_id: uuid.UUID) -> Build[DiscussionPost | _Locked]:
    async def build(
        event: live.LiveEvent, loaders: Loaders, _actor: Actor | None
    ) -> DiscussionPost | _Locked | None:
        thread = await loaders.discussions.threads.load(thread_id)
        if thread is None or thread.is_locked or event.data.get("type") == "thread_locked":
            return LOCKED
        post_id = event.data.get("post_id")
        post = await loaders.discussions.posts.load(uuid.UUID(str(post_id))) if post_id else None
        if post is None or post.thread_id != thread_id:
            return None
        return DiscussionPost.from_model(post)

    return build


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="New posts of a thread, as they are written (yours too). For the members "
        "of its course: subscribing to a thread you may not see is NOT_FOUND, and it is checked "
        "again for every event (a withdrawn or banned member gets the error and stops). When "
        "the thread is locked — or already is — the subscription completes; a client that "
        "missed events catches up through `discussionThread { posts }`."
    )
    async def new_discussion_post(
        self, info: Info, thread_id: strawberry.ID
    ) -> AsyncGenerator[DiscussionPost, None]:
        key = node_uuid(thread_id, "DiscussionThread")
        authorize = _thread_access(key)
        actor = await require_actor(info)
        loaders = Loaders(info.context.db)
        await authorize(actor, loaders)
        thread = await loaders.discussions.threads.load(key)
        if thread is None or thread.is_locked:
            return
        async for value in live_stream(
            info, live.thread_channel(key), authorize=authorize, build=_new_post(key)
        ):
            if not isinstance(value, DiscussionPost):  # the thread is locked
                return
            yield value
