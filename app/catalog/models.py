"""Catalog: categories, instructor profiles, courses and everything authored beneath a course.

Deleting a course cascades to its modules, lessons, pricing tiers, requirements, objectives, tags
and resources (and, through lessons, to quizzes and assignments in `app.assessments.models`).
Order numbers of modules and lessons are unique per parent through DEFERRABLE INITIALLY DEFERRED
constraints, so a reorder can swap numbers inside one transaction.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin, TimestampMixin, str_enum


class CourseLevel(enum.StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class PricingTier(enum.StrEnum):
    BASIC = "basic"
    PRO = "pro"
    PREMIUM = "premium"


class LessonType(enum.StrEnum):
    VIDEO = "video"
    TEXT = "text"
    QUIZ = "quiz"
    ASSIGNMENT = "assignment"


class CourseInstructorRole(enum.StrEnum):
    CO_INSTRUCTOR = "co_instructor"
    TEACHING_ASSISTANT = "teaching_assistant"


class Category(IdMixin, TimestampMixin, Base):
    __tablename__ = "categories"

    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    slug: Mapped[str] = mapped_column(String(150), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    icon: Mapped[str | None] = mapped_column(String(100))
    color: Mapped[str | None] = mapped_column(CHAR(7))  # "#RRGGBB"
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))

    __table_args__ = (
        CheckConstraint("color IS NULL OR color ~ '^#[0-9A-Fa-f]{6}$'", name="color_hex"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )


class InstructorProfile(IdMixin, TimestampMixin, Base):
    """An instructor's public page (app.catalog.instructors): written when an admin approves an
    application, then by the instructor. Ratings, students and course counts are not stored: they
    are computed from the instructor's courses when read."""

    __tablename__ = "instructor_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    slug: Mapped[str | None] = mapped_column(String(120), unique=True)
    title: Mapped[str | None] = mapped_column(String(120))  # the headline
    bio: Mapped[str | None] = mapped_column(Text)  # sanitised HTML
    expertise: Mapped[list[str]] = mapped_column(
        ARRAY(String(60)), default=list, server_default=text("'{}'")
    )
    experience_years: Mapped[int | None] = mapped_column(Integer)
    # kind (website, linkedin, x, youtube, github, …) → https URL
    social_links: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    # an AVATAR upload of the instructor's (app.media), attached by reference
    avatar_asset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("file_assets.id", ondelete="SET NULL"), index=True
    )
    is_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    __table_args__ = (
        CheckConstraint(
            "experience_years IS NULL OR experience_years BETWEEN 0 AND 80", name="experience"
        ),
    )


class InstructorApplicationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class InstructorApplication(IdMixin, TimestampMixin, Base):
    """A student's request to teach; at most one pending per user (a partial unique index)."""

    __tablename__ = "instructor_applications"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    headline: Mapped[str] = mapped_column(String(120))
    bio: Mapped[str] = mapped_column(Text)  # sanitised HTML
    expertise: Mapped[list[str]] = mapped_column(
        ARRAY(String(60)), default=list, server_default=text("'{}'")
    )
    experience_years: Mapped[int | None] = mapped_column(Integer)
    social_links: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    motivation: Mapped[str | None] = mapped_column(Text)
    status: Mapped[InstructorApplicationStatus] = mapped_column(
        str_enum(InstructorApplicationStatus, "instructor_application_status"),
        default=InstructorApplicationStatus.PENDING,
        server_default="pending",
    )
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "uq_instructor_applications_one_pending",
            "user_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_instructor_applications_status_created", "status", "created_at", "id"),
    )


class Course(IdMixin, TimestampMixin, Base):
    __tablename__ = "courses"

    instructor_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(220))
    slug: Mapped[str] = mapped_column(String(260), unique=True)
    subtitle: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    level: Mapped[CourseLevel] = mapped_column(
        str_enum(CourseLevel, "course_level"),
        default=CourseLevel.BEGINNER,
        server_default="beginner",
    )
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    # a COURSE_IMAGE upload of the author's (app.media), attached by reference
    image_asset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("file_assets.id", ondelete="SET NULL"), index=True
    )
    trailer_url: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[CourseStatus] = mapped_column(
        str_enum(CourseStatus, "course_status"), default=CourseStatus.DRAFT, server_default="draft"
    )
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None]
    review_notes: Mapped[str | None] = mapped_column(Text)
    is_free: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    is_certified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    requires_final_exam: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    enrollment_limit: Mapped[int | None] = mapped_column(Integer)
    enrollment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    average_rating: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    review_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # lowest active tier price (0 when free), kept by the catalog service for price filters/sorts
    min_price_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    currency: Mapped[str] = mapped_column(CHAR(3), default="USD", server_default="USD")
    popularity_score: Mapped[float] = mapped_column(Double, default=0, server_default="0")
    trending_score: Mapped[float] = mapped_column(Double, default=0, server_default="0")
    search_vector: Mapped[str | None] = mapped_column(TSVECTOR)  # maintained by the app

    __table_args__ = (
        CheckConstraint("enrollment_limit IS NULL OR enrollment_limit > 0", name="limit_positive"),
        CheckConstraint("enrollment_count >= 0", name="enrollment_count_non_negative"),
        CheckConstraint("review_count >= 0", name="review_count_non_negative"),
        CheckConstraint(
            "average_rating IS NULL OR average_rating BETWEEN 1 AND 5", name="rating_range"
        ),
        CheckConstraint("min_price_minor >= 0", name="price_non_negative"),
        Index("ix_courses_status_published_at", "status", "published_at"),
        Index("ix_courses_status_popularity", "status", "popularity_score"),
        Index("ix_courses_status_trending", "status", "trending_score"),
        Index("ix_courses_status_rating", "status", "average_rating"),
        Index("ix_courses_status_price", "status", "min_price_minor"),
        Index("ix_courses_search_vector", "search_vector", postgresql_using="gin"),
    )


class CourseInstructor(CreatedMixin, Base):
    """Instructors beside the owner (`courses.instructor_id`) who may teach and grade."""

    __tablename__ = "course_instructors"

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[CourseInstructorRole] = mapped_column(
        str_enum(CourseInstructorRole, "course_instructor_role"),
        default=CourseInstructorRole.CO_INSTRUCTOR,
        server_default="co_instructor",
    )


class CourseRequirement(Base):
    __tablename__ = "course_requirements"

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    sort_order: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[str] = mapped_column(String(255))

    __table_args__ = (CheckConstraint("sort_order >= 0", name="sort_order_non_negative"),)


class CourseObjective(Base):
    __tablename__ = "course_objectives"

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    sort_order: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[str] = mapped_column(String(255))

    __table_args__ = (CheckConstraint("sort_order >= 0", name="sort_order_non_negative"),)


class Tag(IdMixin, CreatedMixin, Base):
    __tablename__ = "tags"

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class CourseTag(Base):
    __tablename__ = "course_tags"

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CoursePricingTier(IdMixin, TimestampMixin, Base):
    __tablename__ = "course_pricing_tiers"

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    tier: Mapped[PricingTier] = mapped_column(str_enum(PricingTier, "pricing_tier"))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    original_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(CHAR(3), default="USD", server_default="USD")
    features: Mapped[list[Any]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))

    __table_args__ = (
        UniqueConstraint("course_id", "tier"),
        CheckConstraint("price_minor >= 0", name="price_non_negative"),
        CheckConstraint(
            "original_price_minor IS NULL OR original_price_minor >= price_minor",
            name="original_not_below_price",
        ),
    )


class CourseModule(IdMixin, TimestampMixin, Base):
    __tablename__ = "course_modules"

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(220))
    description: Mapped[str | None] = mapped_column(Text)
    order_number: Mapped[int] = mapped_column(Integer)
    prerequisite_module_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("course_modules.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        UniqueConstraint("course_id", "order_number", deferrable=True, initially="DEFERRED"),
        CheckConstraint("order_number > 0", name="order_number_positive"),
        CheckConstraint(
            "prerequisite_module_id IS NULL OR prerequisite_module_id <> id",
            name="not_own_prerequisite",
        ),
    )


class Lesson(IdMixin, TimestampMixin, Base):
    __tablename__ = "lessons"

    module_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("course_modules.id", ondelete="CASCADE")
    )
    # denormalised from the module (never moves between courses) for per-course counts and search
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[LessonType] = mapped_column(str_enum(LessonType, "lesson_type"))
    title: Mapped[str] = mapped_column(String(220))
    description: Mapped[str | None] = mapped_column(Text)
    content_text: Mapped[str | None] = mapped_column(Text)
    content_url: Mapped[str | None] = mapped_column(String(1000))
    video_asset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("video_assets.id", ondelete="SET NULL"), index=True
    )
    duration_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    order_number: Mapped[int] = mapped_column(Integer)
    is_preview: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    search_vector: Mapped[str | None] = mapped_column(TSVECTOR)  # maintained by the app

    __table_args__ = (
        UniqueConstraint("module_id", "order_number", deferrable=True, initially="DEFERRED"),
        CheckConstraint("order_number > 0", name="order_number_positive"),
        CheckConstraint("duration_minutes >= 0", name="duration_non_negative"),
        Index("ix_lessons_search_vector", "search_vector", postgresql_using="gin"),
    )


class LessonResource(IdMixin, CreatedMixin, Base):
    """A downloadable file or a link attached to a lesson (exactly one of the two)."""

    __tablename__ = "lesson_resources"

    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(220))
    file_asset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("file_assets.id", ondelete="RESTRICT"), index=True
    )
    url: Mapped[str | None] = mapped_column(String(1000))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (CheckConstraint("num_nonnulls(file_asset_id, url) = 1", name="file_or_url"),)


class CourseResource(IdMixin, CreatedMixin, Base):
    """A downloadable file or a link attached to the whole course (exactly one of the two)."""

    __tablename__ = "course_resources"

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(220))
    file_asset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("file_assets.id", ondelete="RESTRICT"), index=True
    )
    url: Mapped[str | None] = mapped_column(String(1000))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (CheckConstraint("num_nonnulls(file_asset_id, url) = 1", name="file_or_url"),)
