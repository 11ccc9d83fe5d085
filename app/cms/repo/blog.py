"""SQL of blog posts: batch reads, pages, the free-slug insert, tags, and the view-count flush."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.slugs import next_free
from app.cms.models import BlogPost, BlogPostTag, BlogStatus
from app.db import rows_with
from app.pagination import Page, PageRequest, SortKey, paginate

SLUG_CONSTRAINT = "uq_blog_posts_slug"
SEARCH_CONFIG = "english"


def visible_at(now: datetime) -> ColumnElement[bool]:
    """Published and due: a post scheduled for later is invisible until its `published_at`."""
    return and_(BlogPost.status == BlogStatus.PUBLISHED, BlogPost.published_at <= now)


async def posts_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[BlogPost | None]:
    by_id = {row.id: row for row in await rows_with(session, BlogPost.id, ids)}
    return [by_id.get(i) for i in ids]


async def tags_by_post_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[list[str]]:
    stmt = (
        select(BlogPostTag.post_id, BlogPostTag.tag)
        .where(BlogPostTag.post_id.in_(ids))
        .order_by(BlogPostTag.post_id, BlogPostTag.tag)
    )
    found: dict[uuid.UUID, list[str]] = {}
    for post_id, tag in (await session.execute(stmt)).all():
        found.setdefault(post_id, []).append(tag)
    return [found.get(i, []) for i in ids]


async def by_slug(session: AsyncSession, slug: str) -> BlogPost | None:
    return await session.scalar(select(BlogPost).where(BlogPost.slug == slug))


async def lock(session: AsyncSession, post_id: uuid.UUID) -> BlogPost | None:
    return await session.scalar(select(BlogPost).where(BlogPost.id == post_id).with_for_update())


async def page(
    session: AsyncSession,
    *,
    now: datetime,
    status: str,
    author_id: uuid.UUID | None,
    category: str | None,
    tag: str | None,
    search: str | None,
    request: PageRequest,
    with_total: bool,
) -> Page[BlogPost]:
    """Posts newest first. `status`: "published" (visible now), "scheduled" (published for
    later) or "draft"; `author_id` narrows to one author's posts."""
    stmt = select(BlogPost)
    if status == "published":
        stmt = stmt.where(visible_at(now))
    elif status == "scheduled":
        stmt = stmt.where(BlogPost.status == BlogStatus.PUBLISHED, BlogPost.published_at > now)
    else:
        stmt = stmt.where(BlogPost.status == BlogStatus.DRAFT)
    if author_id is not None:
        stmt = stmt.where(BlogPost.author_id == author_id)
    if category is not None:
        stmt = stmt.where(BlogPost.category == category)
    if tag is not None:
        tagged = select(BlogPostTag.post_id).where(BlogPostTag.tag == tag)
        stmt = stmt.where(BlogPost.id.in_(tagged))
    if search is not None:
        query = func.websearch_to_tsquery(text(f"'{SEARCH_CONFIG}'"), search)
        stmt = stmt.where(BlogPost.search_vector.op("@@")(query))
    instant = func.coalesce(BlogPost.published_at, BlogPost.created_at)
    return await paginate(
        session,
        stmt,
        order_by=[SortKey(instant, descending=True)],
        tiebreaker=BlogPost.id.expression,
        request=request,
        with_total=with_total,
    )


async def slugs_taken(session: AsyncSession, base: str) -> set[str]:
    stmt = select(BlogPost.slug).where(or_(BlogPost.slug == base, BlogPost.slug.like(f"{base}-%")))
    return set((await session.scalars(stmt)).all())


async def insert_with_free_slug(
    session: AsyncSession, base: str, build: Callable[[str], BlogPost], *, attempts: int = 25
) -> BlogPost | None:
    """Insert the post built for the first free slug from `base`; a concurrent insert that took
    it first fails the SAVEPOINT on the unique constraint and the next one is tried."""
    for _ in range(attempts):
        post = build(next_free(base, await slugs_taken(session, base)))
        if await add_unless_slug_taken(session, post):
            return post
    return None


async def add_unless_slug_taken(session: AsyncSession, post: BlogPost) -> bool:
    """Flush `post` (new or changed) in a SAVEPOINT; False when its slug is taken."""
    try:
        async with session.begin_nested():
            session.add(post)
            await session.flush()
    except IntegrityError as exc:
        if SLUG_CONSTRAINT not in str(exc.orig):
            raise
        return False
    return True


async def replace_tags(session: AsyncSession, post_id: uuid.UUID, tags: Sequence[str]) -> None:
    await session.execute(delete(BlogPostTag).where(BlogPostTag.post_id == post_id))
    if tags:
        await session.execute(insert(BlogPostTag), [{"post_id": post_id, "tag": t} for t in tags])


async def set_search_vector(session: AsyncSession, post_id: uuid.UUID, document: str) -> None:
    vector = func.to_tsvector(text(f"'{SEARCH_CONFIG}'"), document)
    await session.execute(
        update(BlogPost).where(BlogPost.id == post_id).values(search_vector=vector)
    )


async def add_views(session: AsyncSession, counts: Mapping[uuid.UUID, int]) -> None:
    """`view_count += n` for each post, one statement (posts deleted meanwhile are skipped)."""
    if not counts:
        return
    await session.execute(
        text(
            "UPDATE blog_posts SET view_count = view_count + v.n "
            "FROM unnest(CAST(:ids AS uuid[]), CAST(:ns AS integer[])) AS v(id, n) "
            "WHERE blog_posts.id = v.id"
        ),
        {"ids": list(counts), "ns": list(counts.values())},
    )
