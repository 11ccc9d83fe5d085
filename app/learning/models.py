"""Learning: enrollments, lesson progress, module completions and certificates.

An enrollment is unique per (student, course); a course deletion removes its enrollments and
progress, while certificates survive it (they snapshot the student name and course title and only
lose their links), so a certificate once issued stays verifiable.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.catalog.models import PricingTier
from app.db import Base, IdMixin, TimestampMixin, str_enum


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    DROPPED = "dropped"
    REFUNDED = "refunded"
    REVOKED = "revoked"


class EnrollmentSource(enum.StrEnum):
    FREE = "free"
    PURCHASE = "purchase"
    SUBSCRIPTION = "subscription"
    ADMIN = "admin"


class ProgressStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class Enrollment(IdMixin, TimestampMixin, Base):
    __tablename__ = "enrollments"

    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    pricing_tier: Mapped[PricingTier] = mapped_column(
        str_enum(PricingTier, "pricing_tier"), default=PricingTier.BASIC, server_default="basic"
    )
    status: Mapped[EnrollmentStatus] = mapped_column(
        str_enum(EnrollmentStatus, "enrollment_status"),
        default=EnrollmentStatus.ACTIVE,
        server_default="active",
    )
    source: Mapped[EnrollmentSource] = mapped_column(
        str_enum(EnrollmentSource, "enrollment_source")
    )
    order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="SET NULL"), index=True
    )
    enrolled_at: Mapped[datetime] = mapped_column(server_default=func.now())
    completed_at: Mapped[datetime | None]
    progress_percentage: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), default=Decimal(0), server_default="0"
    )
    last_accessed_at: Mapped[datetime | None]
    last_lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL")
    )
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    # set by the assessments when the course's final exam is passed (migration 0004)
    final_exam_passed_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("student_id", "course_id"),
        CheckConstraint("progress_percentage BETWEEN 0 AND 100", name="progress_range"),
        Index("ix_enrollments_course_status", "course_id", "status"),
        Index("ix_enrollments_student_status", "student_id", "status"),
    )


class LessonProgress(IdMixin, TimestampMixin, Base):
    __tablename__ = "lesson_progress"

    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE")
    )
    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ProgressStatus] = mapped_column(
        str_enum(ProgressStatus, "progress_status"),
        default=ProgressStatus.NOT_STARTED,
        server_default="not_started",
    )
    watch_time_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_position_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    quiz_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    attempts_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completed_at: Mapped[datetime | None]
    last_accessed_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("enrollment_id", "lesson_id"),
        CheckConstraint(
            "watch_time_seconds >= 0 AND last_position_seconds >= 0", name="times_non_negative"
        ),
        CheckConstraint("quiz_score IS NULL OR quiz_score BETWEEN 0 AND 100", name="score_range"),
        CheckConstraint("attempts_count >= 0", name="attempts_non_negative"),
    )


class ModuleCompletion(Base):
    """A module counts as complete once every lesson in it is (seed property 25)."""

    __tablename__ = "module_completions"

    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("course_modules.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    completed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Certificate(IdMixin, TimestampMixin, Base):
    __tablename__ = "certificates"

    enrollment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL"), unique=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    certificate_number: Mapped[str] = mapped_column(String(32), unique=True)  # EWS-YYYY-XXXXXX
    verification_code: Mapped[str] = mapped_column(String(64), unique=True)
    student_name: Mapped[str] = mapped_column(String(120))
    course_title: Mapped[str] = mapped_column(String(220))
    issued_at: Mapped[datetime] = mapped_column(server_default=func.now())
    pdf_storage_key: Mapped[str | None] = mapped_column(String(512))
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSONB, default=dict, server_default=text("'{}'::jsonb")
    )

    __table_args__ = (
        CheckConstraint("certificate_number ~ '^EWS-[0-9]{4}-[0-9A-Z]{6}$'", name="number_format"),
    )
