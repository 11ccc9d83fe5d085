"""CMS: blog posts (with tags), testimonials and course reviews.

A course review is unique per (user, course) and rated 1-5. Reviews are post-moderated: a new
review is `approved` (visible) at once and an admin may set it `hidden`; `pending` and `rejected`
are kept for a pre-moderation mode nobody uses today. `app.cms.reviews` keeps
`courses.average_rating` / `review_count` equal to the approved reviews' (see docs/api.md).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin, TimestampMixin, str_enum


class BodyFormat(enum.StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"


class BlogStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ReviewStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    HIDDEN = "hidden"


class BlogPost(IdMixin, TimestampMixin, Base):
    __tablename__ = "blog_posts"

    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(220))
    slug: Mapped[str] = mapped_column(String(260), unique=True)
    excerpt: Mapped[str | None] = mapped_column(Text)
    body_format: Mapped[BodyFormat] = mapped_column(
        str_enum(BodyFormat, "body_format"), default=BodyFormat.MARKDOWN, server_default="markdown"
    )
    body: Mapped[str] = mapped_column(Text)  # as written
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")  # sanitised
    featured_image_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("file_assets.id", ondelete="SET NULL")
    )
    reading_time_minutes: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    category: Mapped[str | None] = mapped_column(String(150), index=True)
    status: Mapped[BlogStatus] = mapped_column(
        str_enum(BlogStatus, "blog_status"), default=BlogStatus.DRAFT, server_default="draft"
    )
    published_at: Mapped[datetime | None]
    view_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    search_vector: Mapped[str | None] = mapped_column(TSVECTOR)  # maintained by the app

    __table_args__ = (
        CheckConstraint("view_count >= 0", name="view_count_non_negative"),
        CheckConstraint("reading_time_minutes >= 1", name="reading_time_positive"),
        CheckConstraint(
            "status <> 'published' OR published_at IS NOT NULL", name="published_has_date"
        ),
        Index("ix_blog_posts_status_published", "status", "published_at"),
        Index("ix_blog_posts_search_vector", "search_vector", postgresql_using="gin"),
    )


class BlogPostTag(Base):
    __tablename__ = "blog_post_tags"

    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("blog_posts.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class Testimonial(IdMixin, TimestampMixin, Base):
    __tablename__ = "testimonials"

    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(150))
    role: Mapped[str | None] = mapped_column(String(150))
    content: Mapped[str] = mapped_column(Text)
    rating: Mapped[int] = mapped_column(SmallInteger)
    image_url: Mapped[str | None] = mapped_column(String(1000))
    is_approved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    is_featured: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    approved_at: Mapped[datetime | None]
    rejected_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    rejected_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("NOT is_featured OR is_approved", name="featured_requires_approval"),
        Index("ix_testimonials_approved_featured", "is_approved", "is_featured"),
        # one pending testimonial per user
        Index(
            "uq_testimonials_one_pending",
            "user_id",
            unique=True,
            postgresql_where=text("NOT is_approved AND rejected_at IS NULL"),
        ),
        Index(
            "ix_testimonials_public",
            text("approved_at DESC"),
            text("id DESC"),
            postgresql_where=text("is_approved"),
        ),
    )


class CourseReview(IdMixin, TimestampMixin, Base):
    __tablename__ = "course_reviews"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus, "review_status"),
        default=ReviewStatus.APPROVED,
        server_default="approved",
    )
    moderated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    moderated_at: Mapped[datetime | None]
    moderation_note: Mapped[str | None] = mapped_column(Text)
    # one reply per review, by the course's owner or a co-instructor
    reply_body: Mapped[str | None] = mapped_column(Text)
    reply_author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    replied_at: Mapped[datetime | None]
    reply_updated_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_course_reviews_course_status_created", "course_id", "status", "created_at"),
        Index("ix_course_reviews_status_created", "status", "created_at"),
        Index("ix_course_reviews_course_status_rating", "course_id", "status", "rating"),
    )
