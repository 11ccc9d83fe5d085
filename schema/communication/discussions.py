"""GraphQL types of course discussion forums: threads, posts (a reply tree read as a flat list in
tree order with `parentPostId` and `depth`), their inputs and payloads.

A thread and its posts are seen by the members of its course only (students with an active or
completed enrollment, the course's owner, co-instructors and admins); to anyone else, and once the
thread is deleted, they do not exist (null with NOT_FOUND). Everything reads through the
per-request loaders: a thread's posts are one statement however many there are.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from app.communication import discussions as service
from app.communication import models
from app.pagination import InvalidPageRequest, PageRequest
from schema.accounts.types import User
from schema.catalog.access import visible_courses
from schema.catalog.types import Course, Lesson
from schema.communication.messaging import ReportReason
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload
from schema.core.relay import NOWHERE, Connection, ModelNode

strawberry.enum(
    models.ThreadCategory,
    name="DiscussionCategory",
    description="What a discussion thread is about.",
)
DiscussionCategory = models.ThreadCategory

DELETED_BODY = None  # a deleted post's body is not shown to anyone

MEMBERS = (
    "Seen by the course's members only: students with an active or completed enrollment, the "
    "course's owner, co-instructors and admins."
)


async def readable(info: Info, threads: Sequence[models.DiscussionThread | None]) -> list[bool]:
    """Whether the viewer may read each thread (and its posts)."""
    viewer = await viewer_of(info)
    if viewer is None:
        return [False] * len(threads)
    loaders = info.context.loaders
    courses = await loaders.catalog.courses.load_many(
        [t.course_id if t is not None else NOWHERE for t in threads]
    )
    access = await loaders.catalog.access.load(viewer.id)
    return [
        t is not None and service.may_read(viewer, t, c, access)
        for t, c in zip(threads, courses, strict=True)
    ]


async def _user(info: Info, user_id: uuid.UUID | None) -> User | None:
    if user_id is None:
        return None
    return (await User.resolve_nodes(info=info, node_ids=[str(user_id)]))[0]


@strawberry.type(description="A course discussion thread and its opening post. " + MEMBERS)
class DiscussionThread(ModelNode):
    id: relay.NodeID[str]
    model: strawberry.Private[models.DiscussionThread]

    @classmethod
    async def load(
        cls, info: Info, ids: list[uuid.UUID]
    ) -> Sequence[models.DiscussionThread | None]:
        return await info.context.loaders.discussions.threads.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.DiscussionThread | None]
    ) -> Sequence[models.DiscussionThread | None]:
        shown = await readable(info, rows)
        return [row if ok else None for row, ok in zip(rows, shown, strict=True)]

    @classmethod
    def from_model(cls, row: models.DiscussionThread) -> Self:
        return cls(id=str(row.id), model=row)

    @strawberry.field
    def title(self) -> str:
        return self.model.title

    @strawberry.field(description="The opening post: sanitised HTML.")
    def body(self) -> str:
        return self.model.body

    @strawberry.field
    def category(self) -> DiscussionCategory:
        return models.ThreadCategory(self.model.category)

    @strawberry.field(description="Pinned threads are listed first.")
    def is_pinned(self) -> bool:
        return self.model.is_pinned

    @strawberry.field(description="A locked thread takes no new replies or edits.")
    def is_locked(self) -> bool:
        return self.model.is_locked

    @strawberry.field(description="Number of posts in the thread (deleted ones included).")
    def reply_count(self) -> int:
        return self.model.reply_count

    @strawberry.field(description="When the thread was started or last replied to.")
    def last_activity_at(self) -> datetime:
        return self.model.last_activity_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.model.updated_at

    @strawberry.field(description="Who started the thread (null once their account is gone).")
    async def author(self, info: Info) -> User | None:
        return await _user(info, self.model.author_id)

    @strawberry.field(description="The course the thread belongs to.")
    async def course(self, info: Info) -> Course | None:
        row = await info.context.loaders.catalog.courses.load(self.model.course_id)
        shown = (await visible_courses(info, [row]))[0]
        return Course.from_model(shown) if shown is not None else None

    @strawberry.field(description="The lesson the thread is about, if any (and you may see it).")
    async def lesson(self, info: Info) -> Lesson | None:
        if self.model.lesson_id is None:
            return None
        return (await Lesson.resolve_nodes(info=info, node_ids=[str(self.model.lesson_id)]))[0]

    @strawberry.field(
        description="The replies as one list in tree order: depth first, each post followed by "
        "its replies, siblings oldest first; `parentPostId` and `depth` place each in the tree. "
        "A deleted post keeps its place (body null, isDeleted true). totalCount is replyCount."
    )
    async def posts(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[DiscussionPost]:
        request = PageRequest.create(first=first, after=after)
        start: str | None = None
        if request.after is not None:
            if len(request.after) != 1 or not isinstance(request.after[0], str):
                raise InvalidPageRequest("after", "`after` is not a valid cursor")
            start = request.after[0]
        loaders = info.context.loaders.discussions
        page = await loaders.post_pages.load(
            service.PostsPageKey(self.model.id, request.size, start)
        )
        loaders.prime_tree(page.items)
        connection = Connection[DiscussionPost].from_page(
            page, lambda item: DiscussionPost.from_model(item.post)
        )
        connection.known_total = self.model.reply_count
        return connection


@strawberry.type(description="A reply in a discussion thread. " + MEMBERS)
class DiscussionPost(ModelNode):
    id: relay.NodeID[str]
    model: strawberry.Private[models.DiscussionPost]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.DiscussionPost | None]:
        return await info.context.loaders.discussions.posts.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.DiscussionPost | None]
    ) -> Sequence[models.DiscussionPost | None]:
        threads = await info.context.loaders.discussions.threads.load_many(
            [r.thread_id if r is not None else NOWHERE for r in rows]
        )
        shown = await readable(info, threads)
        return [row if ok else None for row, ok in zip(rows, shown, strict=True)]

    @classmethod
    def from_model(cls, row: models.DiscussionPost) -> Self:
        return cls(id=str(row.id), model=row)

    @strawberry.field(description="The post it replies to; null for a reply to the thread.")
    def parent_post_id(self) -> strawberry.ID | None:
        parent = self.model.parent_post_id
        return (
            None
            if parent is None
            else strawberry.ID(str(relay.GlobalID("DiscussionPost", str(parent))))
        )

    @strawberry.field(description="0 for a reply to the thread, 1 for a reply to such a reply, …")
    async def depth(self, info: Info) -> int:
        depth = await info.context.loaders.discussions.depths.load(self.model.id)
        return depth or 0

    @strawberry.field(description="Sanitised HTML; null once the post is deleted.")
    def body(self) -> str | None:
        return DELETED_BODY if self.model.deleted_at is not None else self.model.body

    @strawberry.field(description="The post was deleted: its replies stay in the tree.")
    def is_deleted(self) -> bool:
        return self.model.deleted_at is not None

    @strawberry.field(description="The course's instructors accepted it as the thread's answer.")
    def is_solution(self) -> bool:
        return self.model.is_solution

    @strawberry.field
    def upvote_count(self) -> int:
        return self.model.upvote_count

    @strawberry.field(description="Whether your vote is on this post.")
    async def viewer_has_voted(self, info: Info) -> bool:
        viewer = await viewer_of(info)
        if viewer is None:
            return False
        return await info.context.loaders.discussions.voted.load((viewer.id, self.model.id))

    @strawberry.field(description="When the author last edited it (null: never).")
    def edited_at(self) -> datetime | None:
        return self.model.edited_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(
        description="The author (null once the post is deleted or the account is gone)."
    )
    async def author(self, info: Info) -> User | None:
        if self.model.deleted_at is not None:
            return None
        return await _user(info, self.model.author_id)

    @strawberry.field
    async def thread(self, info: Info) -> DiscussionThread | None:
        found = await DiscussionThread.resolve_nodes(
            info=info, node_ids=[str(self.model.thread_id)]
        )
        return found[0]


# --- filter -------------------------------------------------------------------------------------


@strawberry.input(description="Narrows a course's threads; every field left out matches all.")
class DiscussionThreadFilter(Input):
    category: DiscussionCategory | None = None
    lesson_id: strawberry.ID | None = node_id("Lesson", default=None)
    unanswered: bool | None = strawberry.field(
        default=None, description="true: threads without replies; false: with at least one."
    )
    solved: bool | None = strawberry.field(
        default=None, description="true: a reply is accepted as the solution; false: none is."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Text in the title or opening post (case-insensitive, ≤ 200 characters).",
    )

    def to_filter(self) -> service.ThreadFilter:
        return service.ThreadFilter(**self.arguments())


# --- mutations ----------------------------------------------------------------------------------

TEXT_RULES = (
    "Body: sanitised HTML, required, ≤ 20,000 characters. Posting (threads and replies) is rate "
    "limited per author (RATE_LIMITED)."
)


@strawberry.input(description="A new thread in a course you take part in. " + TEXT_RULES)
class CreateDiscussionThreadInput(Input):
    course_id: strawberry.ID = node_id("Course")
    title: str = strawberry.field(description="Plain text, required, ≤ 200 characters.")
    body: str
    category: DiscussionCategory = DiscussionCategory.GENERAL
    lesson_id: strawberry.ID | None = node_id(
        "Lesson", default=None, description="A lesson of the course the thread is about."
    )


@strawberry.type
class CreateDiscussionThreadPayload(Payload):
    thread: DiscussionThread | None = None


@strawberry.input(description="A reply to a thread, or to one of its posts. " + TEXT_RULES)
class ReplyToPostInput(Input):
    thread_id: strawberry.ID = node_id("DiscussionThread")
    parent_post_id: strawberry.ID | None = node_id(
        "DiscussionPost",
        default=None,
        description="The post replied to (of the same thread: WRONG_THREAD); none: the thread.",
    )
    body: str


@strawberry.type
class ReplyToPostPayload(Payload):
    post: DiscussionPost | None = None


@strawberry.input(description="New text for your post; the previous text is kept for moderation.")
class EditPostInput(Input):
    post_id: strawberry.ID = node_id("DiscussionPost")
    body: str


@strawberry.type
class EditPostPayload(Payload):
    post: DiscussionPost | None = None


@strawberry.input(description="A post to delete (yours, or any in a course you teach).")
class DeletePostInput(Input):
    post_id: strawberry.ID = node_id("DiscussionPost")


@strawberry.type
class DeletePostPayload(Payload):
    post: DiscussionPost | None = None


@strawberry.input(description="The post to vote for, or to take your vote back from.")
class VotePostInput(Input):
    post_id: strawberry.ID = node_id("DiscussionPost")


@strawberry.type
class VotePostPayload(Payload):
    post: DiscussionPost | None = None
    voted: bool | None = strawberry.field(
        default=None, description="Whether your vote is on the post now."
    )


@strawberry.input(description="The reply to accept as its thread's solution.")
class AcceptSolutionInput(Input):
    post_id: strawberry.ID = node_id("DiscussionPost")


@strawberry.type
class AcceptSolutionPayload(Payload):
    post: DiscussionPost | None = None


@strawberry.input(description="Pin a thread to the top of its course's list, or unpin it.")
class PinThreadInput(Input):
    thread_id: strawberry.ID = node_id("DiscussionThread")
    pinned: bool


@strawberry.type
class PinThreadPayload(Payload):
    thread: DiscussionThread | None = None


@strawberry.input(description="Lock a thread (no new replies or edits), or unlock it.")
class LockThreadInput(Input):
    thread_id: strawberry.ID = node_id("DiscussionThread")
    locked: bool


@strawberry.type
class LockThreadPayload(Payload):
    thread: DiscussionThread | None = None


@strawberry.input(description="A post you can see, and why it should be reviewed.")
class ReportPostInput(Input):
    post_id: strawberry.ID = node_id("DiscussionPost")
    reason: ReportReason
    details: str | None = strawberry.field(
        default=None, description="Plain text, ≤ 2,000 characters."
    )


@strawberry.type
class ReportPostPayload(Payload):
    reported: bool = strawberry.field(
        default=False, description="True once the report is in the moderation queue."
    )
