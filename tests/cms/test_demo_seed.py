"""The CMS demo data of `make run`: two published blog posts with featured images drawn by the
bundled ffmpeg and uploaded through the real upload flow, three approved testimonials (two
featured); seeding twice creates them once, and users' changes never make it fail."""

from __future__ import annotations

from sqlalchemy import select

from app.cms import demo_seed, models
from app.db import Database
from app.integrations.storage import LocalStorage
from app.media.models import FileAsset, FileStatus
from app.seed import seed_users
from tests.support.graphql import GraphQLClient

LIST = """{ blogPosts(first: 10) { edges { node { title bodyHtml featuredImageUrl tags } } }
  testimonials(featured: true) { edges { node { name role } } } }"""


async def _seed(database: Database, storage: LocalStorage) -> int:
    async with database.transaction() as session:
        blog = await demo_seed.seed_demo_blog(session, storage)
        return blog + await demo_seed.seed_demo_testimonials(session)


async def test_seeding_twice_creates_the_posts_and_testimonials_once(
    client: GraphQLClient, database: Database, storage: LocalStorage
) -> None:
    async with database.transaction() as session:
        await seed_users(session)
    assert await _seed(database, storage) == 5
    assert await _seed(database, storage) == 0
    listed = (await client.execute(LIST)).data
    assert listed is not None
    posts = [e["node"] for e in listed["blogPosts"]["edges"]]
    assert len(posts) == 2
    for post in posts:
        assert post["featuredImageUrl"]
        assert "<h2>" in post["bodyHtml"]
        assert "<a href=" in post["bodyHtml"]
    assert any('<code class="language-python">' in p["bodyHtml"] for p in posts)
    assert len(listed["testimonials"]["edges"]) == 2
    async with database.session() as session:
        images = (await session.scalars(select(FileAsset))).all()
        approved = (
            await session.scalars(select(models.Testimonial).where(models.Testimonial.is_approved))
        ).all()
    assert [i.status for i in images] == [FileStatus.UPLOADED] * 2
    assert all(storage.object_path(i.storage_key).read_bytes()[:4] == b"\x89PNG" for i in images)
    assert len(approved) == 3


async def test_users_changes_never_make_seeding_fail(
    database: Database, storage: LocalStorage
) -> None:
    async with database.transaction() as session:
        await seed_users(session)
    await _seed(database, storage)
    async with database.transaction() as session:
        for post in (await session.scalars(select(models.BlogPost))).all():
            await session.delete(post)
        for row in (await session.scalars(select(models.Testimonial))).all():
            row.is_featured = False
    assert await _seed(database, storage) == 2  # the posts again; the testimonials stay as edited
