"""The blog service: rendering and sanitising, slugs, excerpts, reading time, tags, scheduled
publication by the injected clock, permissions, and the buffered view count."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from app.accounts.models import UserRole
from app.clock import frozen
from app.cms import blog
from app.cms.models import BlogPost, BlogStatus, BodyFormat
from app.db import Database
from app.errors import Common, Forbidden, NotFound, UserFacingError
from app.pagination import PageRequest
from app.security.permissions import Actor
from tests.support.authoring import actor
from tests.support.cms import editor, post

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _codes(exc: pytest.ExceptionInfo[UserFacingError]) -> dict[str | None, str]:
    return {e.field: e.code.value for e in exc.value.errors}


async def _visible(database: Database, viewer: Actor | None = None) -> list[str]:
    async with database.session() as session:
        page = await blog.list_blog_posts(session, actor=viewer, request=PageRequest.create())
    return [row.slug for row in page.items]


async def test_markdown_is_rendered_and_sanitised(database: Database) -> None:
    body = (
        "# Title\n\n- one\n- two\n\n```python\nx = 1\n```\n\n"
        "<script>alert(1)</script> [x](javascript:alert(1))"
    )
    row = await post(database, await editor(database), body=body)
    assert "<h1>Title</h1>" in row.body_html
    assert "<li>one</li>" in row.body_html
    assert '<code class="language-python">' in row.body_html
    assert "<script>" not in row.body_html
    assert "javascript:" not in row.body_html.replace("[x](javascript:alert(1))", "")
    assert row.body == body  # the source is kept as written


async def test_an_html_body_keeps_https_images_and_loses_scripts(database: Database) -> None:
    html = '<h2>Hi</h2><img src="https://cdn.example/a.png" onerror="x()"><img src="http://x/a.png"><script>1</script>'
    row = await post(database, await editor(database), body=html, body_format=BodyFormat.HTML)
    assert row.body_html == '<h2>Hi</h2><img src="https://cdn.example/a.png"><img>'


async def test_equal_titles_get_numbered_slugs_and_a_chosen_slug_must_be_free(
    database: Database,
) -> None:
    by = await editor(database)
    first = await post(database, by, title="Learning C++ & Rust")
    second = await post(database, by, title="Learning C++ & Rust")
    assert (first.slug, second.slug) == (
        "learning-c-plus-plus-and-rust",
        "learning-c-plus-plus-and-rust-2",
    )
    with pytest.raises(UserFacingError) as taken:
        await post(database, by, slug=first.slug)
    assert _codes(taken) == {"slug": "SLUG_IN_USE"}
    with pytest.raises(UserFacingError) as bad:
        await post(database, by, slug="Not A Slug")
    assert _codes(bad) == {"slug": "INVALID_SLUG"}


async def test_concurrent_posts_with_one_title_get_distinct_slugs(database: Database) -> None:
    by = await editor(database)
    rows = await asyncio.gather(*(post(database, by, title="Same") for _ in range(4)))
    assert sorted(r.slug for r in rows) == ["same", "same-2", "same-3", "same-4"]


async def test_excerpt_and_reading_time_come_from_the_text(database: Database) -> None:
    words = " ".join(["word"] * 450)
    row = await post(database, await editor(database), body=words)
    assert row.reading_time_minutes == 3  # 450 words at 200 a minute
    assert row.excerpt is not None
    assert row.excerpt.endswith("…")
    assert len(row.excerpt) <= 281
    written = await post(database, await editor(database), body=words, excerpt="Short.")
    assert written.excerpt == "Short."


async def test_tags_are_normalised_deduplicated_and_limited(database: Database) -> None:
    by = await editor(database)
    row = await post(database, by, tags=["Machine Learning", "machine-learning", "Python"])
    async with database.session() as session:
        from app.cms.repo import blog as repo

        (tags,) = await repo.tags_by_post_ids(session, [row.id])
    assert tags == ["machine-learning", "python"]
    with pytest.raises(UserFacingError) as many:
        await post(database, by, tags=[f"t{i}" for i in range(11)])
    assert _codes(many) == {"tags": "TOO_MANY"}
    with pytest.raises(UserFacingError) as long:
        await post(database, by, tags=["x" * 41])
    assert _codes(long) == {"tags[0]": "TOO_LONG"}


async def test_limits_and_required_text(database: Database) -> None:
    by = await editor(database)
    with pytest.raises(UserFacingError) as exc:
        await post(database, by, title=" ", body="x" * (blog.BODY_MAX + 1), excerpt="e" * 501)
    assert _codes(exc) == {
        "title": Common.REQUIRED.value,
        "body": Common.TOO_LONG.value,
        "excerpt": Common.TOO_LONG.value,
    }
    with pytest.raises(UserFacingError) as empty:
        await post(database, by, body="<script>only</script>", body_format=BodyFormat.HTML)
    assert _codes(empty) == {"body": "REQUIRED"}


async def test_only_editors_write(database: Database) -> None:
    for role in (UserRole.STUDENT, UserRole.INSTRUCTOR):
        with pytest.raises(Forbidden):
            await post(database, await actor(database, role))
    row = await post(database, await editor(database))
    async with database.transaction() as session:
        with pytest.raises(NotFound):
            await blog.update_blog_post(
                session, actor=await actor(database), post_id=row.id, title="Mine"
            )


async def test_a_scheduled_post_appears_at_its_time(database: Database) -> None:
    by = await editor(database)
    with frozen(NOW):
        await post(database, by, title="Later", publish=NOW + timedelta(hours=2))
        await post(database, by, title="Now", publish=True)
        assert await _visible(database) == ["now"]
    with frozen(NOW + timedelta(hours=2)):
        assert await _visible(database) == ["later", "now"]


async def test_drafts_are_hidden_from_readers_and_listed_for_editors(database: Database) -> None:
    by = await editor(database)
    draft = await post(database, by, title="Draft")
    reader = await actor(database, UserRole.STUDENT)
    assert await _visible(database, reader) == []
    async with database.session() as session:
        assert await blog.post_by_slug(session, actor=reader, slug=draft.slug) is None
        assert await blog.post_by_slug(session, actor=by, slug=draft.slug) is not None
        drafts = await blog.list_blog_posts(
            session, actor=by, request=PageRequest.create(), status="draft"
        )
        hidden = await blog.list_blog_posts(
            session, actor=reader, request=PageRequest.create(), status="draft"
        )
    assert [r.id for r in drafts.items] == [draft.id]
    assert hidden.items == []


async def test_unpublishing_hides_a_post_again(database: Database) -> None:
    by = await editor(database)
    row = await post(database, by, publish=True)
    async with database.transaction() as session:
        back = await blog.unpublish_blog_post(session, actor=by, post_id=row.id)
    assert back.status == BlogStatus.DRAFT
    assert back.published_at is None
    assert await _visible(database) == []


async def test_category_tag_and_search_filters(database: Database) -> None:
    by = await editor(database)
    await post(database, by, title="Async Python", body="Event loops", category="dev",
               tags=["Python"], publish=True)  # fmt: skip
    await post(database, by, title="Career", body="Interviews and salaries", publish=True)
    async with database.session() as session:

        async def slugs(**kw: str) -> list[str]:
            page = await blog.list_blog_posts(
                session, actor=None, request=PageRequest.create(), **kw
            )
            return [r.slug for r in page.items]

        assert await slugs(category="dev") == ["async-python"]
        assert await slugs(tag="python") == ["async-python"]
        assert await slugs(search="salary") == ["career"]


async def _count_of(database: Database, post_id: uuid.UUID) -> int:
    async with database.session() as session:
        row = await session.get(BlogPost, post_id)
    assert row is not None
    return row.view_count


async def test_concurrent_views_are_all_counted_after_a_flush(
    database: Database, redis_client: Redis
) -> None:
    by = await editor(database)
    row = await post(database, by, publish=True)
    reader = await actor(database, UserRole.STUDENT)
    await asyncio.gather(
        *(blog.record_view(redis_client, actor=reader, row=row) for _ in range(50))
    )
    await blog.record_view(redis_client, actor=by, row=row)  # an editor's preview: not counted
    assert await _count_of(database, row.id) == 0  # reading never wrote to the database
    flushes = await asyncio.gather(*(blog.flush_views(database, redis_client) for _ in range(3)))
    assert sum(flushes) == 1
    assert await _count_of(database, row.id) == 50
    assert await blog.flush_views(database, redis_client) == 0
    assert await _count_of(database, row.id) == 50


async def test_views_left_by_a_flush_that_died_are_added_by_the_next(
    database: Database, redis_client: Redis
) -> None:
    row = await post(database, await editor(database), publish=True)
    await redis_client.hset(f"{blog.VIEWS_KEY}:flushing:dead", str(row.id), 7)
    await blog.record_view(redis_client, actor=None, row=row)
    assert await blog.flush_views(database, redis_client) == 2
    assert await _count_of(database, row.id) == 8


async def test_the_scheduler_flushes_blog_views(database: Database, redis_client: Redis) -> None:
    from workers import schedule

    job = next(j for j in schedule.JOBS if j.name == "flush_blog_views")
    row = await post(database, await editor(database), publish=True)
    await blog.record_view(redis_client, actor=None, row=row)
    runtime = type("Runtime", (), {"db": database, "redis": redis_client})()
    assert await job.run(runtime) == 1  # type: ignore[arg-type]
    assert await _count_of(database, row.id) == 1
