"""SQL of course discussion forums: threads, posts (a reply tree), votes.

A thread's posts are read in tree order (depth first, siblings oldest first) by one recursive
statement that gives each post its `path` — the ids from its top-level ancestor down to itself,
as fixed-width text joined by "/" and compared byte-wise (ids are time-ordered UUIDs, so the path
order is the tree order) — and its `depth` (0 for a reply to the thread itself).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    Text,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.catalog.models import Lesson
from app.communication.models import (
    DiscussionPost,
    DiscussionThread,
    PostVote,
    ThreadCategory,
)
from app.db import rows_with
from app.pagination import Page, PageRequest, SortKey, encode_cursor, paginate


@dataclass(frozen=True)
class ThreadFilter:
    category: ThreadCategory | None = None
    lesson_id: uuid.UUID | None = None
    unanswered: bool | None = None  # True: no replies yet; False: at least one
    solved: bool | None = None  # True: a reply is accepted as the solution; False: none is
    search: str | None = None  # words in the title or the opening post


@dataclass(frozen=True)
class TreePost:
    """A post with its place in its thread's reply tree."""

    post: DiscussionPost
    depth: int
    path: str


@dataclass(frozen=True)
class PostsPageKey:
    """One page of one thread's posts in tree order: reads after the post whose path is
    `after` (None: from the start), at most `size` posts."""

    thread_id: uuid.UUID
    size: int
    after: str | None


# --- threads ------------------------------------------------------------------------------------


async def threads_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[DiscussionThread | None]:
    rows = await rows_with(session, DiscussionThread.id, ids)
    found = {row.id: row for row in rows}
    return [found.get(i) for i in ids]


async def thread_for_update(session: AsyncSession, thread_id: uuid.UUID) -> DiscussionThread | None:
    """The thread, its row locked until the transaction ends (serialises solutions, counters)."""
    return await session.scalar(
        select(DiscussionThread).where(DiscussionThread.id == thread_id).with_for_update()
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _solved() -> Select[Any]:
    return select(literal(1)).where(
        DiscussionPost.thread_id == DiscussionThread.id, DiscussionPost.is_solution.is_(True)
    )


async def list_threads(
    session: AsyncSession,
    *,
    course_id: uuid.UUID,
    where: ThreadFilter,
    request: PageRequest,
    with_total: bool,
) -> Page[DiscussionThread]:
    """The course's threads (not deleted): pinned first, then the latest activity first."""
    stmt = select(DiscussionThread).where(
        DiscussionThread.course_id == course_id, DiscussionThread.deleted_at.is_(None)
    )
    if where.category is not None:
        stmt = stmt.where(DiscussionThread.category == where.category)
    if where.lesson_id is not None:
        stmt = stmt.where(DiscussionThread.lesson_id == where.lesson_id)
    if where.unanswered is not None:
        stmt = stmt.where(
            DiscussionThread.reply_count == 0
            if where.unanswered
            else DiscussionThread.reply_count > 0
        )
    if where.solved is not None:
        exists = _solved().exists()
        stmt = stmt.where(exists if where.solved else ~exists)
    if where.search:
        pattern = f"%{_escape_like(where.search)}%"
        stmt = stmt.where(
            or_(
                DiscussionThread.title.ilike(pattern, escape="\\"),
                DiscussionThread.body.ilike(pattern, escape="\\"),
            )
        )
    return await paginate(
        session,
        stmt,
        order_by=[
            SortKey(DiscussionThread.is_pinned.expression, descending=True),
            SortKey(DiscussionThread.last_activity_at.expression, descending=True),
        ],
        tiebreaker=DiscussionThread.id.expression,
        request=request,
        with_total=with_total,
    )


async def lesson_course_id(session: AsyncSession, lesson_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(select(Lesson.course_id).where(Lesson.id == lesson_id))


async def add_thread(session: AsyncSession, thread: DiscussionThread) -> DiscussionThread:
    session.add(thread)
    await session.flush()
    return thread


async def count_reply(session: AsyncSession, thread_id: uuid.UUID) -> None:
    """One more post in the thread; its activity is now (atomic under concurrent replies)."""
    await session.execute(
        update(DiscussionThread)
        .where(DiscussionThread.id == thread_id)
        .values(
            reply_count=DiscussionThread.reply_count + 1,
            last_activity_at=func.greatest(DiscussionThread.last_activity_at, func.now()),
        )
    )


# --- posts --------------------------------------------------------------------------------------


async def posts_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[DiscussionPost | None]:
    rows = await rows_with(session, DiscussionPost.id, ids)
    found = {row.id: row for row in rows}
    return [found.get(i) for i in ids]


async def post_for_update(session: AsyncSession, post_id: uuid.UUID) -> DiscussionPost | None:
    return await session.scalar(
        select(DiscussionPost).where(DiscussionPost.id == post_id).with_for_update()
    )


async def add_post(session: AsyncSession, post: DiscussionPost) -> DiscussionPost:
    session.add(post)
    await session.flush()
    return post


def _tree(thread_ids: Sequence[uuid.UUID]) -> Select[tuple[uuid.UUID, int, str]]:
    """(post id, depth, path) of every post of the threads (a recursive CTE)."""
    top = (
        select(
            DiscussionPost.id.label("id"),
            literal(0, Integer).label("depth"),
            cast(DiscussionPost.id, Text).label("path"),
        )
        .where(DiscussionPost.thread_id.in_(thread_ids), DiscussionPost.parent_post_id.is_(None))
        .cte("tree", recursive=True)
    )
    child = select(
        DiscussionPost.id,
        (top.c.depth + 1).label("depth"),
        (top.c.path + "/" + cast(DiscussionPost.id, Text)).label("path"),
    ).join(top, DiscussionPost.parent_post_id == top.c.id)
    tree = top.union_all(child)
    return select(tree.c.id, tree.c.depth, tree.c.path)


async def post_pages(session: AsyncSession, keys: Sequence[PostsPageKey]) -> list[Page[TreePost]]:
    """Pages of posts in tree order, one statement for every key with the same size and start
    (the keys of one list field share them): a row number per thread bounds each page."""
    groups: defaultdict[tuple[int, str | None], list[uuid.UUID]] = defaultdict(list)
    for key in keys:
        groups[(key.size, key.after)].append(key.thread_id)
    found: dict[tuple[uuid.UUID, int, str | None], Page[TreePost]] = {}
    for (size, after), thread_ids in groups.items():
        tree = _tree(thread_ids).subquery("tree")
        path = tree.c.path.collate("C")
        numbered = (
            select(
                DiscussionPost,
                tree.c.depth,
                tree.c.path,
                func.row_number()
                .over(partition_by=DiscussionPost.thread_id, order_by=path)
                .label("n"),
            )
            .join(tree, tree.c.id == DiscussionPost.id)
            .where(path > after if after is not None else true())
            .subquery("numbered")
        )
        post = aliased(DiscussionPost, numbered)
        rows = (
            await session.execute(
                select(post, numbered.c.depth, numbered.c.path)
                .where(numbered.c.n <= size + 1)
                .order_by(numbered.c.thread_id, numbered.c.path.collate("C"))
            )
        ).all()
        by_thread: defaultdict[uuid.UUID, list[TreePost]] = defaultdict(list)
        for row, depth, row_path in rows:
            by_thread[row.thread_id].append(TreePost(row, depth, row_path))
        for thread_id in thread_ids:
            items = by_thread.get(thread_id, [])
            more = len(items) > size
            items = items[:size]
            found[(thread_id, size, after)] = Page(
                items=items,
                cursors=[encode_cursor([item.path]) for item in items],
                has_next=more,
                has_previous=after is not None,
            )
    return [found[(k.thread_id, k.size, k.after)] for k in keys]


async def depths_by_post_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[int | None]:
    """Each post's depth in its tree (0: a reply to the thread itself)."""
    parent = DiscussionPost.__table__.alias("parent")
    base = (
        select(
            DiscussionPost.id.label("start"),
            DiscussionPost.parent_post_id.label("up"),
            literal(0, Integer).label("depth"),
        )
        .where(DiscussionPost.id.in_(ids))
        .cte("ancestry", recursive=True)
    )
    step = select(base.c.start, parent.c.parent_post_id, (base.c.depth + 1)).join(
        parent, parent.c.id == base.c.up
    )
    ancestry = base.union_all(step)
    rows = await session.execute(
        select(ancestry.c.start, func.max(ancestry.c.depth)).group_by(ancestry.c.start)
    )
    found = {start: int(depth) for start, depth in rows}
    return [found.get(i) for i in ids]


async def clear_solution(session: AsyncSession, thread_id: uuid.UUID) -> None:
    await session.execute(
        update(DiscussionPost)
        .where(DiscussionPost.thread_id == thread_id, DiscussionPost.is_solution.is_(True))
        .values(is_solution=False)
    )
    await session.flush()


# --- votes --------------------------------------------------------------------------------------


async def toggle_vote(session: AsyncSession, *, post_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """The user's vote on the post added, or removed when it was there; the post's
    `upvote_count` moves with it in the same transaction (an atomic increment, so concurrent
    votes never lose a count). True when the vote is now on."""
    added: uuid.UUID | None = None
    for _ in range(3):  # a concurrent toggle of the same user may remove the row in between
        added = await session.scalar(
            insert(PostVote)
            .values(post_id=post_id, user_id=user_id, value=1)
            .on_conflict_do_nothing(index_elements=[PostVote.post_id, PostVote.user_id])
            .returning(PostVote.post_id)
        )
        if added is not None:
            break
        removed = await session.scalar(
            delete(PostVote)
            .where(PostVote.post_id == post_id, PostVote.user_id == user_id)
            .returning(PostVote.post_id)
        )
        if removed is not None:
            break
    else:
        raise RuntimeError("the vote kept changing under a concurrent toggle")
    step = 1 if added is not None else -1
    await session.execute(
        update(DiscussionPost)
        .where(DiscussionPost.id == post_id)
        .values(upvote_count=DiscussionPost.upvote_count + step)
        .execution_options(synchronize_session=False)
    )
    return added is not None


async def voted(session: AsyncSession, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> list[bool]:
    """Keyed by (user id, post id): whether the user's vote is on the post."""
    if not keys:
        return []
    rows = await session.execute(
        select(PostVote.user_id, PostVote.post_id).where(
            tuple_(PostVote.user_id, PostVote.post_id).in_(list(keys))
        )
    )
    found = {(u, p) for u, p in rows}
    return [key in found for key in keys]
