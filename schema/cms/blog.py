"""GraphQL types of the blog: the node, its enums, the list filter, inputs and payloads."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from app.cms import blog as service
from app.cms import models
from app.media import attached_url
from schema.accounts.types import User
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id, update
from schema.core.mutation import Payload
from schema.core.relay import ModelNode

BlogBodyFormat = strawberry.enum(
    models.BodyFormat,
    name="BlogBodyFormat",
    description="MARKDOWN: CommonMark (raw HTML in it is shown as text); HTML: cleaned with the "
    "blog policy (docs/api.md, Text).",
)


@strawberry.enum(description="Where a post stands for its readers.")
class BlogPostStatus(enum.Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


def status_of(row: models.BlogPost) -> BlogPostStatus:
    if row.status == models.BlogStatus.DRAFT:
        return BlogPostStatus.DRAFT
    return BlogPostStatus.PUBLISHED if service.is_visible(row) else BlogPostStatus.SCHEDULED


@strawberry.type(
    description="A blog post. Readers see published ones (publishedAt reached); its editors "
    "(admins) also see drafts and scheduled ones. Anyone else gets NOT_FOUND / null."
)
class BlogPost(ModelNode):
    id: relay.NodeID[str]
    title: str
    slug: str
    excerpt: str = strawberry.field(description="As written, else the first words of the text.")
    body_html: str = strawberry.field(description="The body rendered and sanitised: show as is.")
    category: str | None
    reading_time_minutes: int = strawberry.field(description="Words / 200, at least 1.")
    view_count: int = strawberry.field(
        description="Views by readers; new views are added every minute or so."
    )
    published_at: datetime | None = strawberry.field(
        description="When it was (or, for a scheduled one, will be) published."
    )
    created_at: datetime
    updated_at: datetime
    model: strawberry.Private[models.BlogPost]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.BlogPost | None]:
        return await info.context.loaders.blog.posts.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.BlogPost | None]
    ) -> Sequence[models.BlogPost | None]:
        viewer = await viewer_of(info)
        return [row if service.may_read(viewer, row) else None for row in rows]

    @classmethod
    def from_model(cls, row: models.BlogPost) -> Self:
        return cls(
            id=str(row.id),
            title=row.title,
            slug=row.slug,
            excerpt=row.excerpt or "",
            body_html=row.body_html,
            category=row.category,
            reading_time_minutes=row.reading_time_minutes,
            view_count=row.view_count,
            published_at=row.published_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            model=row,
        )

    @strawberry.field
    def status(self) -> BlogPostStatus:
        return status_of(self.model)

    @strawberry.field(description="How the body was written.")
    def body_format(self) -> BlogBodyFormat:  # type: ignore[valid-type]
        return models.BodyFormat(self.model.body_format)

    @strawberry.field(description="The body as written (its editors only; null for others).")
    async def body(self, info: Info) -> str | None:
        return self.model.body if service.may_edit(await viewer_of(info)) else None

    @strawberry.field(description="Normalised tags (lower-case, hyphenated), sorted.")
    async def tags(self, info: Info) -> list[str]:
        return await info.context.loaders.blog.tags.load(self.model.id)

    @strawberry.field(description="Where to read the featured image; null when it has none.")
    async def featured_image_url(self, info: Info) -> str | None:
        if self.model.featured_image_id is None:
            return None
        asset = await info.context.loaders.media.assets.load(self.model.featured_image_id)
        return attached_url(info.context.storage, asset)

    @strawberry.field(description="Who wrote it (null once their account is gone).")
    async def author(self, info: Info) -> User | None:
        if self.model.author_id is None:
            return None
        row = await info.context.loaders.accounts.users.load(self.model.author_id)
        return User.from_model(row) if row is not None and row.deleted_at is None else None


@strawberry.input(description="Narrow the list of blog posts (all given conditions hold).")
class BlogPostFilter:
    category: str | None = None
    tag: str | None = strawberry.field(default=None, description="A tag, normalised like tags.")
    search: str | None = strawberry.field(
        default=None, description="Full-text search of title, excerpt and body (web syntax)."
    )
    status: BlogPostStatus = strawberry.field(
        default=BlogPostStatus.PUBLISHED,
        description="DRAFT and SCHEDULED list nothing for anyone but the blog's editors.",
    )


_LIMITS = (
    "title 1-220 characters; body at most 200,000 characters; slug lower-case words joined by "
    "hyphens (at most 200); excerpt at most 500; category at most 100; tags at most 10 of 40 "
    "characters; featuredImageUploadId a finished BLOG_IMAGE upload of yours."
)


@strawberry.input(description=f"A draft blog post (admins). {_LIMITS}")
class CreateBlogPostInput(Input):
    title: str
    body: str
    body_format: BlogBodyFormat = models.BodyFormat.MARKDOWN  # type: ignore[valid-type]
    slug: str | None = strawberry.field(
        default=None, description="Omitted: made from the title (numbered when taken)."
    )
    excerpt: str | None = None
    category: str | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    featured_image_upload_id: strawberry.ID | None = node_id("FileAsset", default=None)


@strawberry.type
class CreateBlogPostPayload(Payload):
    post: BlogPost | None = None


@strawberry.input(description=f"Change a blog post; omitted fields are kept. {_LIMITS}")
class UpdateBlogPostInput(Input):
    post_id: strawberry.ID = node_id("BlogPost")
    title: str | None = update(nullable=False)
    body: str | None = update(nullable=False)
    body_format: BlogBodyFormat | None = update(nullable=False)  # type: ignore[valid-type]
    slug: str | None = update(nullable=False)
    excerpt: str | None = update(description="null: generated from the text.")
    category: str | None = update()
    tags: list[str] | None = update()
    featured_image_upload_id: strawberry.ID | None = update(node="FileAsset")


@strawberry.type
class UpdateBlogPostPayload(Payload):
    post: BlogPost | None = None


@strawberry.input(
    description="Publish a post now, or at `at` (a later time schedules it: it appears then)."
)
class PublishBlogPostInput(Input):
    post_id: strawberry.ID = node_id("BlogPost")
    at: datetime | None = None


@strawberry.input(description="Make a published or scheduled post a draft again.")
class UnpublishBlogPostInput(Input):
    post_id: strawberry.ID = node_id("BlogPost")


@strawberry.type
class BlogPostPayload(Payload):
    post: BlogPost | None = None


@strawberry.input(description="Delete a blog post for good.")
class DeleteBlogPostInput(Input):
    post_id: strawberry.ID = node_id("BlogPost")


@strawberry.type
class DeleteBlogPostPayload(Payload):
    deleted_post_id: strawberry.ID | None = strawberry.field(
        default=None, description="The global id of the deleted post."
    )
