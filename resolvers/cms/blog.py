"""Root fields of the blog (cms domain): the list, one post by slug, and the editors' mutations."""

from __future__ import annotations

import strawberry
from strawberry.relay import to_base64

from app.cms import blog as service
from app.pagination import PageRequest
from schema.cms.blog import (
    BlogPost,
    BlogPostFilter,
    BlogPostPayload,
    CreateBlogPostInput,
    CreateBlogPostPayload,
    DeleteBlogPostInput,
    DeleteBlogPostPayload,
    PublishBlogPostInput,
    UnpublishBlogPostInput,
    UpdateBlogPostInput,
    UpdateBlogPostPayload,
)
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, found, selects_total_count


@strawberry.type
class Query:
    @strawberry.field(
        description="Blog posts, newest first: published ones for everyone; with "
        "filter.status DRAFT or SCHEDULED, the editors' drafts or scheduled posts (nothing for "
        "anyone else)."
    )
    async def blog_posts(
        self,
        info: Info,
        filter: BlogPostFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[BlogPost]:
        chosen = filter or BlogPostFilter()
        request = PageRequest.create(first=first, after=after)
        viewer = await viewer_of(info)
        async with info.context.db.session() as session:
            page = await service.list_blog_posts(
                session,
                actor=viewer,
                request=request,
                status=chosen.status.value,
                category=chosen.category,
                tag=chosen.tag,
                search=chosen.search,
                with_total=selects_total_count(info),
            )
        info.context.loaders.blog.prime(page.items)
        return Connection[BlogPost].from_page(page, BlogPost.from_model)

    @strawberry.field(
        description="The post with this slug (NOT_FOUND when there is none or it is not "
        "published, unless you edit the blog). A reader's read counts one view."
    )
    async def blog_post(self, info: Info, slug: str) -> BlogPost | None:
        viewer = await viewer_of(info)
        async with info.context.db.session() as session:
            row = await service.post_by_slug(session, actor=viewer, slug=slug)
        row = found(row, "BlogPost")
        await service.record_view(info.context.redis, actor=viewer, row=row)
        info.context.loaders.blog.prime([row])
        return BlogPost.from_model(row)


@strawberry.type
class Mutation:
    @mutation(
        description="Write a draft blog post (admins). REQUIRED, TOO_LONG, TOO_MANY, "
        "INVALID_SLUG, SLUG_IN_USE, FILE_NOT_FOUND.",
        privileged=True,
    )
    async def create_blog_post(
        self, info: Info, input: CreateBlogPostInput, tx: Tx
    ) -> CreateBlogPostPayload:
        row = await service.create_blog_post(tx.session, actor=tx.actor, **input.arguments())
        return CreateBlogPostPayload(post=BlogPost.from_model(row))

    @mutation(
        description="Change a blog post (admins); the body is rendered again. Same codes as "
        "createBlogPost.",
        privileged=True,
    )
    async def update_blog_post(
        self, info: Info, input: UpdateBlogPostInput, tx: Tx
    ) -> UpdateBlogPostPayload:
        row = await service.update_blog_post(tx.session, actor=tx.actor, **input.arguments())
        return UpdateBlogPostPayload(post=BlogPost.from_model(row))

    @mutation(description="Publish a post now, or schedule it with `at` (admins).", privileged=True)
    async def publish_blog_post(
        self, info: Info, input: PublishBlogPostInput, tx: Tx
    ) -> BlogPostPayload:
        row = await service.publish_blog_post(tx.session, actor=tx.actor, **input.arguments())
        return BlogPostPayload(post=BlogPost.from_model(row))

    @mutation(description="Make a post a draft again (admins).", privileged=True)
    async def unpublish_blog_post(
        self, info: Info, input: UnpublishBlogPostInput, tx: Tx
    ) -> BlogPostPayload:
        row = await service.unpublish_blog_post(tx.session, actor=tx.actor, **input.arguments())
        return BlogPostPayload(post=BlogPost.from_model(row))

    @mutation(description="Delete a blog post (admins).", privileged=True)
    async def delete_blog_post(
        self, info: Info, input: DeleteBlogPostInput, tx: Tx
    ) -> DeleteBlogPostPayload:
        deleted = await service.delete_blog_post(tx.session, actor=tx.actor, **input.arguments())
        return DeleteBlogPostPayload(
            deleted_post_id=strawberry.ID(to_base64("BlogPost", str(deleted)))
        )
