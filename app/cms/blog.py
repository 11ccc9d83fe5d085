"""Blog posts: written by the holders of `cms.manage` (admins), read by everyone once published.

Rules:
- A post is written in Markdown (CommonMark, raw HTML shown as text) or HTML; `body_html` is what
  readers get, always through `app.security.sanitize` (policy BLOG). The source is kept as written
  for its editors.
- The slug comes from the title (numbered when taken: `intro`, `intro-2`) and may be set or edited
  (lower-case words joined by single hyphens; SLUG_IN_USE when another post has it). Changing the
  title keeps the slug: links stay valid.
- Excerpt: as written, else the first words of the text. Reading time: words / 200 per minute,
  at least 1, computed on every save. Tags: at most 10, each normalised like a slug (≤ 40).
- Publishing sets `published_at` (now, or a later time: scheduled). A post is visible to readers
  when `status = published AND published_at <= now`, checked at read time, so a scheduled post
  appears at its time with no job. Unpublishing makes it a draft again. Anyone who may not see a
  post (a draft, a scheduled one) gets NOT_FOUND / null.
- Views: each read of a visible post by someone who is not its editor counts one view, buffered
  in one Redis hash (HINCRBY, atomic) and added to `view_count` by the periodic job
  `flush_blog_views` in one UPDATE (see `flush_views`): reading stays a read.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Sequence
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.errors import CatalogCode
from app.catalog.rules import UNSET, Unset, text
from app.catalog.slugs import slugify
from app.clock import utcnow
from app.cms.errors import CmsCode
from app.cms.models import BlogPost, BlogStatus, BodyFormat
from app.cms.repo import blog as repo
from app.db import Database
from app.errors import Common, Conflict, FieldError, NotFound, collect
from app.media import FilePurpose, claimed_upload_id
from app.pagination import Page, PageRequest
from app.security.permissions import Actor, Permission, has_permission, require_permission
from app.security.sanitize import BLOG, plain_text, render_markdown, sanitize_html

TITLE_MAX = 220
SLUG_MAX = 200
EXCERPT_MAX = 500
GENERATED_EXCERPT = 280
BODY_MAX = 200_000
CATEGORY_MAX = 100
TAGS_MAX = 10
TAG_MAX = 40
SEARCH_MAX = 200
WORDS_PER_MINUTE = 200
VIEWS_KEY = "blog:views"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def may_edit(actor: Actor | None) -> bool:
    return actor is not None and has_permission(actor, Permission.CMS_MANAGE)


def is_visible(row: BlogPost, now: datetime | None = None) -> bool:
    """Published and due (see the module docstring)."""
    return (
        row.status == BlogStatus.PUBLISHED
        and row.published_at is not None
        and row.published_at <= (now or utcnow())
    )


def may_read(actor: Actor | None, row: BlogPost | None) -> bool:
    return row is not None and (is_visible(row) or may_edit(actor))


# --- validation --------------------------------------------------------------------------------


def _slug(errors: list[FieldError], value: str) -> str:
    value = value.strip()
    if len(value) > SLUG_MAX:
        errors.append(FieldError("slug", f"At most {SLUG_MAX} characters", Common.TOO_LONG))
    elif not _SLUG.match(value):
        code = CatalogCode.INVALID_SLUG
        errors.append(FieldError("slug", code.description, code))
    return value


def _body(errors: list[FieldError], value: str, body_format: BodyFormat) -> str:
    if len(value) > BODY_MAX:
        errors.append(FieldError("body", f"At most {BODY_MAX} characters", Common.TOO_LONG))
        return ""
    rendered = (
        render_markdown(value) if body_format == BodyFormat.MARKDOWN else sanitize_html(value, BLOG)
    )
    if not plain_text(rendered) and "<img" not in rendered:
        errors.append(FieldError("body", "Write something", Common.REQUIRED))
    return rendered


def _tags(errors: list[FieldError], values: Sequence[str]) -> list[str]:
    if len(values) > TAGS_MAX:
        errors.append(FieldError("tags", f"At most {TAGS_MAX} tags", Common.TOO_MANY))
        return []
    found: list[str] = []
    for i, value in enumerate(values):
        if len(value) > TAG_MAX:
            errors.append(
                FieldError(f"tags[{i}]", f"At most {TAG_MAX} characters", Common.TOO_LONG)
            )
            continue
        tag = slugify(value, max_length=TAG_MAX, fallback="")
        if not tag:
            errors.append(FieldError(f"tags[{i}]", "Use letters or digits", Common.INVALID))
        elif tag not in found:
            found.append(tag)
    return found


def _excerpt(errors: list[FieldError], value: str | None) -> str | None:
    return text(errors, "excerpt", value, max_length=EXCERPT_MAX, required=False)


def generated_excerpt(body_html: str) -> str:
    words = plain_text(body_html)
    if len(words) <= GENERATED_EXCERPT:
        return words
    cut = words[:GENERATED_EXCERPT].rsplit(" ", 1)[0]
    return f"{cut}…"


def reading_time(body_html: str) -> int:
    return max(1, math.ceil(len(plain_text(body_html).split()) / WORDS_PER_MINUTE))


async def _image(
    session: AsyncSession, errors: list[FieldError], actor: Actor, upload_id: uuid.UUID | None
) -> uuid.UUID | None:
    return await claimed_upload_id(
        session,
        errors,
        owner_id=actor.id,
        upload_id=upload_id,
        purpose=FilePurpose.BLOG_IMAGE,
        field="featured_image_upload_id",
    )


def _slug_taken() -> Conflict:
    code = CmsCode.SLUG_IN_USE
    return Conflict("slug", code.description, code)


async def _saved(session: AsyncSession, row: BlogPost, tags: list[str] | None) -> BlogPost:
    """After a write: tags, derived fields and the search document."""
    row.reading_time_minutes = reading_time(row.body_html)
    if tags is not None:
        await repo.replace_tags(session, row.id, tags)
    document = " ".join((row.title, row.excerpt or "", plain_text(row.body_html)))
    await repo.set_search_vector(session, row.id, document)
    await session.flush()
    await session.refresh(row)
    return row


# --- writes ------------------------------------------------------------------------------------


async def create_blog_post(
    session: AsyncSession,
    *,
    actor: Actor,
    title: str,
    body: str,
    body_format: BodyFormat = BodyFormat.MARKDOWN,
    slug: str | None = None,
    excerpt: str | None = None,
    category: str | None = None,
    tags: Sequence[str] = (),
    featured_image_upload_id: uuid.UUID | None = None,
) -> BlogPost:
    """A draft post by the actor (needs `cms.manage`); publish it with `publish_blog_post`."""
    require_permission(actor, Permission.CMS_MANAGE)
    errors: list[FieldError] = []
    clean_title = text(errors, "title", title, max_length=TITLE_MAX)
    chosen_slug = _slug(errors, slug) if slug is not None else None
    body_html = _body(errors, body, body_format)
    clean_excerpt = _excerpt(errors, excerpt)
    clean_category = text(errors, "category", category, max_length=CATEGORY_MAX, required=False)
    clean_tags = _tags(errors, tags)
    image_id = await _image(session, errors, actor, featured_image_upload_id)
    collect(errors)
    now = utcnow()

    def build(free_slug: str) -> BlogPost:
        return BlogPost(
            author_id=actor.id,
            title=clean_title,
            slug=free_slug,
            excerpt=clean_excerpt or generated_excerpt(body_html),
            body_format=body_format,
            body=body,
            body_html=body_html,
            category=clean_category,
            featured_image_id=image_id,
            status=BlogStatus.DRAFT,
            created_at=now,
            updated_at=now,
        )

    if chosen_slug is not None:
        row = build(chosen_slug)
        if not await repo.add_unless_slug_taken(session, row):
            raise _slug_taken()
    else:
        base = slugify(clean_title or "", max_length=SLUG_MAX, fallback="post")
        found = await repo.insert_with_free_slug(session, base, build)
        if found is None:
            raise _slug_taken()
        row = found
    return await _saved(session, row, clean_tags)


async def update_blog_post(
    session: AsyncSession,
    *,
    actor: Actor,
    post_id: uuid.UUID,
    title: str | Unset = UNSET,
    body: str | Unset = UNSET,
    body_format: BodyFormat | Unset = UNSET,
    slug: str | Unset = UNSET,
    excerpt: str | Unset | None = UNSET,
    category: str | Unset | None = UNSET,
    tags: Sequence[str] | Unset = UNSET,
    featured_image_upload_id: uuid.UUID | Unset | None = UNSET,
) -> BlogPost:
    """Change the given fields (omitted ones are kept; a body is re-rendered with its format)."""
    row = await _writable(session, actor, post_id)
    errors: list[FieldError] = []
    changes: dict[str, object] = {}
    if not isinstance(title, Unset):
        changes["title"] = text(errors, "title", title, max_length=TITLE_MAX)
    if not isinstance(slug, Unset):
        changes["slug"] = _slug(errors, slug)
    if not isinstance(body, Unset) or not isinstance(body_format, Unset):
        fmt = body_format if not isinstance(body_format, Unset) else BodyFormat(row.body_format)
        source = body if not isinstance(body, Unset) else row.body
        changes.update(body=source, body_format=fmt, body_html=_body(errors, source, fmt))
    if not isinstance(excerpt, Unset):
        changes["excerpt"] = _excerpt(errors, excerpt)
    if not isinstance(category, Unset):
        changes["category"] = text(
            errors, "category", category, max_length=CATEGORY_MAX, required=False
        )
    clean_tags = None if isinstance(tags, Unset) else _tags(errors, tags)
    if not isinstance(featured_image_upload_id, Unset):
        changes["featured_image_id"] = await _image(
            session, errors, actor, featured_image_upload_id
        )
    collect(errors)
    for name, value in changes.items():
        setattr(row, name, value)
    if not row.excerpt:
        row.excerpt = generated_excerpt(row.body_html)
    row.updated_at = utcnow()
    if not await repo.add_unless_slug_taken(session, row):
        raise _slug_taken()
    return await _saved(session, row, clean_tags)


async def publish_blog_post(
    session: AsyncSession, *, actor: Actor, post_id: uuid.UUID, at: datetime | None = None
) -> BlogPost:
    """Publish now, or at `at` (a later time schedules it; an earlier one publishes it now)."""
    row = await _writable(session, actor, post_id)
    now = utcnow()
    row.status = BlogStatus.PUBLISHED
    row.published_at = at if at is not None and at > now else now
    row.updated_at = now
    await session.flush()
    return row


async def unpublish_blog_post(
    session: AsyncSession, *, actor: Actor, post_id: uuid.UUID
) -> BlogPost:
    """Back to draft (published or scheduled): readers no longer see it."""
    row = await _writable(session, actor, post_id)
    row.status = BlogStatus.DRAFT
    row.published_at = None
    row.updated_at = utcnow()
    await session.flush()
    return row


async def delete_blog_post(session: AsyncSession, *, actor: Actor, post_id: uuid.UUID) -> uuid.UUID:
    row = await _writable(session, actor, post_id)
    await session.delete(row)
    await session.flush()
    return row.id


async def _writable(session: AsyncSession, actor: Actor, post_id: uuid.UUID) -> BlogPost:
    if not may_edit(actor):
        raise NotFound("BlogPost")
    row = await repo.lock(session, post_id)
    if row is None:
        raise NotFound("BlogPost")
    return row


# --- reads -------------------------------------------------------------------------------------


async def post_by_slug(session: AsyncSession, *, actor: Actor | None, slug: str) -> BlogPost | None:
    """The post with this slug if the caller may see it, else None."""
    if len(slug) > SLUG_MAX:
        return None
    row = await repo.by_slug(session, slug)
    return row if row is not None and may_read(actor, row) else None


async def list_blog_posts(
    session: AsyncSession,
    *,
    actor: Actor | None,
    request: PageRequest,
    status: str = "published",
    category: str | None = None,
    tag: str | None = None,
    search: str | None = None,
    with_total: bool = False,
) -> Page[BlogPost]:
    """Visible posts (anyone), or drafts / scheduled ones (editors; anyone else gets none)."""
    if status != "published" and not may_edit(actor):
        return Page([], [], False, False, 0 if with_total else None)
    errors: list[FieldError] = []
    for name, value, limit in (
        ("category", category, CATEGORY_MAX),
        ("tag", tag, TAG_MAX),
        ("search", search, SEARCH_MAX),
    ):
        if value is not None and len(value) > limit:
            errors.append(FieldError(name, f"At most {limit} characters", Common.TOO_LONG))
    collect(errors)
    return await repo.page(
        session,
        now=utcnow(),
        status=status,
        author_id=None,
        category=category,
        tag=slugify(tag, max_length=TAG_MAX) if tag is not None else None,
        search=search.strip() or None if search is not None else None,
        request=request,
        with_total=with_total,
    )


# --- views -------------------------------------------------------------------------------------


async def record_view(redis: Redis, *, actor: Actor | None, row: BlogPost) -> None:
    """Count one view of a visible post by a reader (its editors' previews do not count)."""
    if is_visible(row) and not may_edit(actor):
        await redis.hincrby(VIEWS_KEY, str(row.id), 1)


async def flush_views(db: Database, redis: Redis) -> int:
    """Add the buffered views to `view_count`; returns the number of posts touched.

    The hash is renamed to a key of this flush (atomic: views counted meanwhile start a new
    hash), added in one UPDATE, then deleted. A flush that dies before its commit leaves its key;
    the next flush adds it first (a key is deleted only after its commit; one that dies between
    the commit and the delete counts those views twice — view counts are approximate)."""
    touched = 0
    for key in [k async for k in redis.scan_iter(match=f"{VIEWS_KEY}:flushing:*")]:
        touched += await _flush_key(db, redis, key)
    key = f"{VIEWS_KEY}:flushing:{uuid.uuid4()}"
    try:
        await redis.rename(VIEWS_KEY, key)
    except Exception as exc:  # no views since the last flush
        if "no such key" not in str(exc).lower():
            raise
        return touched
    return touched + await _flush_key(db, redis, key)


async def _flush_key(db: Database, redis: Redis, key: str | bytes) -> int:
    raw = await redis.hgetall(key)
    counts: dict[uuid.UUID, int] = {}
    for post_id, n in raw.items():
        pid = post_id.decode() if isinstance(post_id, bytes) else str(post_id)
        counts[uuid.UUID(pid)] = int(n)
    async with db.transaction() as session:
        await repo.add_views(session, counts)
    await redis.delete(key)
    return len(counts)
