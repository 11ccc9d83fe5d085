"""The blog over GraphQL: writing with a featured image, reading by slug (views counted,
drafts NOT_FOUND), the connection's statement budget, and who may write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.admin.models import AuditLogEntry
from app.clock import frozen
from app.cms import blog
from app.db import Database, count_statements
from app.integrations.storage import LocalStorage
from app.media.models import FilePurpose
from tests.support.catalog import gid, person, token_for
from tests.support.cms import editor, post
from tests.support.graphql import GraphQLClient
from tests.support.media import finished_upload

FIELDS = """post { id slug title status excerpt bodyHtml body bodyFormat tags category
  readingTimeMinutes viewCount featuredImageUrl publishedAt author { id } }"""
ONE = "query($s: String!) { blogPost(slug: $s) { title viewCount body status } }"
LIST = """query($f: BlogPostFilter, $first: Int) { blogPosts(filter: $f, first: $first) {
  totalCount edges { node { slug title tags featuredImageUrl author { firstName } } } } }"""
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def _admin(database: Database) -> User:
    return await person(database, UserRole.ADMIN)


async def test_an_admin_writes_and_publishes_a_post_with_a_featured_image(
    client: GraphQLClient, database: Database, storage: LocalStorage
) -> None:
    admin = await _admin(database)
    token = token_for(client, admin)
    image = await finished_upload(database, storage, admin.id, purpose=FilePurpose.BLOG_IMAGE)
    created = await client.mutate(
        "createBlogPost",
        {
            "title": "Ten Tips",
            "body": "## Start\n\nRead [docs](https://example.com).",
            "category": "Guides",
            "tags": ["Study Skills"],
            "featuredImageUploadId": gid("FileAsset", image.id),
        },
        FIELDS,
        token=token,
    )
    payload = created.payload("createBlogPost")
    assert payload["errors"] == []
    made = payload["post"]
    assert made["slug"] == "ten-tips"
    assert made["status"] == "DRAFT"
    assert made["bodyHtml"].startswith("<h2>Start</h2>")
    assert made["tags"] == ["study-skills"]
    assert made["readingTimeMinutes"] == 1
    assert made["featuredImageUrl"]
    assert "/public/blog_image/" in made["featuredImageUrl"]
    published = await client.mutate(
        "publishBlogPost", {"postId": made["id"]}, "post { status publishedAt }", token=token
    )
    assert published.payload("publishBlogPost")["post"]["status"] == "PUBLISHED"
    audited = await _audit_actions(database)
    assert {"createBlogPost", "publishBlogPost"} <= audited


async def _audit_actions(database: Database) -> set[str]:
    async with database.session() as session:
        return set((await session.scalars(select(AuditLogEntry.action))).all())


async def test_someone_elses_or_a_wrong_purpose_upload_is_file_not_found(
    client: GraphQLClient, database: Database, storage: LocalStorage
) -> None:
    admin, other = await _admin(database), await person(database)
    theirs = await finished_upload(database, storage, other.id, purpose=FilePurpose.BLOG_IMAGE)
    avatar = await finished_upload(database, storage, admin.id, purpose=FilePurpose.AVATAR)
    for upload in (theirs, avatar):
        outcome = await client.mutate(
            "createBlogPost",
            {"title": "t", "body": "b", "featuredImageUploadId": gid("FileAsset", upload.id)},
            "post { id }",
            token=token_for(client, admin),
        )
        errors = outcome.payload("createBlogPost")["errors"]
        assert errors == [
            {
                "field": "featuredImageUploadId",
                "code": "FILE_NOT_FOUND",
                "message": errors[0]["message"],
            }
        ]


async def test_students_and_instructors_may_not_write(
    client: GraphQLClient, database: Database
) -> None:
    for role in (UserRole.STUDENT, UserRole.INSTRUCTOR):
        outcome = await client.mutate(
            "createBlogPost",
            {"title": "t", "body": "b"},
            "post { id }",
            token=token_for(client, await person(database, role)),
        )
        assert outcome.codes == ["FORBIDDEN"]


async def test_reading_a_published_post_counts_a_view_and_a_draft_is_not_found(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    by = await editor(database)
    shown = await post(database, by, title="Shown", publish=True)
    draft = await post(database, by, title="Draft")
    for _ in range(3):
        read = await client.execute(ONE, {"s": shown.slug})
        assert read.payload("blogPost")["body"] is None  # the source is for editors
    await blog.flush_views(database, redis_client)
    assert (await client.execute(ONE, {"s": shown.slug})).payload("blogPost")["viewCount"] == 3
    hidden = await client.execute(ONE, {"s": draft.slug})
    assert hidden.codes == ["NOT_FOUND"]
    assert hidden.data == {"blogPost": None}
    admin = token_for(client, await _admin(database))
    preview = await client.execute(ONE, {"s": draft.slug}, token=admin)
    assert preview.payload("blogPost")["status"] == "DRAFT"


async def test_a_scheduled_post_is_not_found_until_its_time(
    client: GraphQLClient, database: Database
) -> None:
    by = await editor(database)
    with frozen(NOW):
        row = await post(database, by, publish=NOW + timedelta(days=1))
        assert (await client.execute(ONE, {"s": row.slug})).codes == ["NOT_FOUND"]
        scheduled = await client.execute(
            LIST, {"f": {"status": "SCHEDULED"}}, token=token_for(client, await _admin(database))
        )
        assert scheduled.payload("blogPosts")["totalCount"] == 1
    with frozen(NOW + timedelta(days=1)):
        assert (await client.execute(ONE, {"s": row.slug})).payload("blogPost")["status"] == (
            "PUBLISHED"
        )


async def test_listing_posts_runs_the_same_statements_for_one_or_many(
    client: GraphQLClient, database: Database, storage: LocalStorage
) -> None:
    by = await editor(database)

    async def publish(n: int) -> None:
        for i in range(n):
            image = await finished_upload(database, storage, by.id, purpose=FilePurpose.BLOG_IMAGE)
            await post(database, by, title=f"p{i}", tags=["a", f"t{i}"], publish=True,
                       featured_image_upload_id=image.id)  # fmt: skip

    async def statements() -> int:
        with count_statements(database.engine) as counter:
            outcome = await client.execute(LIST, {"first": 20})
        assert not outcome.errors
        return counter.count

    await publish(1)
    one = await statements()
    await publish(5)
    assert await statements() == one


async def test_filters_reach_the_list(client: GraphQLClient, database: Database) -> None:
    by = await editor(database)
    await post(database, by, title="Tagged", tags=["Python"], publish=True)
    await post(database, by, title="Other", publish=True)
    listed = await client.execute(LIST, {"f": {"tag": "python"}})
    assert [e["node"]["slug"] for e in listed.payload("blogPosts")["edges"]] == ["tagged"]
    long = await client.execute(LIST, {"f": {"search": "x" * 201}})
    assert long.codes == ["BAD_USER_INPUT"]
    assert long.errors[0].extensions["fields"][0]["code"] == "TOO_LONG"


async def test_update_and_delete(client: GraphQLClient, database: Database) -> None:
    admin = await _admin(database)
    token = token_for(client, admin)
    row = await post(database, await editor(database), title="Old")
    changed = await client.mutate(
        "updateBlogPost",
        {"postId": gid("BlogPost", row.id), "title": "New", "slug": "new-slug", "excerpt": None},
        "post { title slug excerpt }",
        token=token,
    )
    assert changed.payload("updateBlogPost")["post"] == {
        "title": "New",
        "slug": "new-slug",
        "excerpt": "Some words.",
    }
    deleted = await client.mutate(
        "deleteBlogPost", {"postId": gid("BlogPost", row.id)}, "deletedPostId", token=token
    )
    assert deleted.payload("deleteBlogPost")["deletedPostId"] == gid("BlogPost", row.id)
    assert (await client.execute(ONE, {"s": "new-slug"}, token=token)).codes == ["NOT_FOUND"]


async def test_a_draft_is_a_null_node_for_readers_and_a_node_for_admins(
    client: GraphQLClient, database: Database
) -> None:
    row = await post(database, await editor(database))
    query = "query($id: ID!) { node(id: $id) { ... on BlogPost { slug } } }"
    variables = {"id": gid("BlogPost", row.id)}
    assert (await client.execute(query, variables)).data == {"node": None}
    admin = token_for(client, await _admin(database))
    shown = await client.execute(query, variables, token=admin)
    assert shown.payload("node") == {"slug": row.slug}


async def test_switching_an_existing_body_to_html_sanitises_it_again(
    client: GraphQLClient, database: Database
) -> None:
    row = await post(database, await editor(database), body="<b onclick=x>bold</b> *md*")
    changed = await client.mutate(
        "updateBlogPost",
        {"postId": gid("BlogPost", row.id), "bodyFormat": "HTML"},
        "post { bodyHtml bodyFormat }",
        token=token_for(client, await _admin(database)),
    )
    assert changed.payload("updateBlogPost")["post"] == {
        "bodyHtml": "<b>bold</b> *md*",
        "bodyFormat": "HTML",
    }


async def test_blog_images_are_requested_through_the_upload_flow(
    client: GraphQLClient, database: Database
) -> None:
    outcome = await client.mutate(
        "requestUpload",
        {"purpose": "BLOG_IMAGE", "fileName": "cover.png", "contentType": "image/png", "size": 9},
        "upload { fileId }",
        token=token_for(client, await _admin(database)),
    )
    assert outcome.payload("requestUpload")["errors"] == []
    refused = await client.mutate(
        "requestUpload",
        {"purpose": "BLOG_IMAGE", "fileName": "a.pdf", "contentType": "application/pdf", "size": 9},
        "upload { fileId }",
        token=token_for(client, await _admin(database)),
    )
    assert [e["code"] for e in refused.payload("requestUpload")["errors"]] == [
        "FILE_TYPE_NOT_ALLOWED"
    ]
