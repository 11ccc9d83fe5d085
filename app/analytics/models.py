"""Analytics: the raw event log, worker-computed aggregates per course and per student, daily
course rollups for date-range reports, and normalised search queries for trending searches."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin


class AnalyticsEvent(IdMixin, Base):
    __tablename__ = "analytics_events"

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    event_type: Mapped[str] = mapped_column(String(100))  # e.g. "lesson.completed"
    entity_type: Mapped[str | None] = mapped_column(String(50))
    entity_id: Mapped[uuid.UUID | None]
    course_id: Mapped[uuid.UUID | None]  # no FK: the log outlives the course it mentions
    properties: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    request_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        Index("ix_analytics_events_type_occurred", "event_type", "occurred_at"),
        Index("ix_analytics_events_user_occurred", "user_id", "occurred_at"),
        Index("ix_analytics_events_course_occurred", "course_id", "occurred_at"),
        Index("ix_analytics_events_entity", "entity_type", "entity_id"),
        # events arrive in time order: a tiny BRIN index serves date-range scans (exports)
        Index("ix_analytics_events_occurred_brin", "occurred_at", postgresql_using="brin"),
    )


class CourseAnalytics(Base):
    __tablename__ = "course_analytics"

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    total_enrollments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active_enrollments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completion_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completion_rate: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), default=Decimal(0), server_default="0"
    )
    dropout_rate: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), default=Decimal(0), server_default="0"
    )
    average_rating: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    revenue_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    currency: Mapped[str] = mapped_column(CHAR(3), default="USD", server_default="USD")
    average_days_to_completion: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    hardest_lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL")
    )
    engagement: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint(
            "total_enrollments >= 0 AND active_enrollments >= 0 AND completion_count >= 0",
            name="counts_non_negative",
        ),
        CheckConstraint(
            "completion_rate BETWEEN 0 AND 100 AND dropout_rate BETWEEN 0 AND 100",
            name="rates_range",
        ),
        CheckConstraint("revenue_minor >= 0", name="revenue_non_negative"),
    )


class StudentAnalytics(Base):
    __tablename__ = "student_analytics"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    courses_enrolled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    courses_completed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    courses_in_progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    average_quiz_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    time_invested_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    current_streak_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    longest_streak_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_active_on: Mapped[date | None] = mapped_column(Date)
    achievements: Mapped[list[Any]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint(
            "courses_enrolled >= 0 AND courses_completed >= 0 AND courses_in_progress >= 0"
            " AND time_invested_minutes >= 0",
            name="counts_non_negative",
        ),
        CheckConstraint(
            "current_streak_days >= 0 AND longest_streak_days >= current_streak_days",
            name="streaks_valid",
        ),
        CheckConstraint(
            "average_quiz_score IS NULL OR average_quiz_score BETWEEN 0 AND 100",
            name="quiz_score_range",
        ),
    )


class CourseDailyStats(Base):
    """One row per course and UTC day, rolled up by a worker for date-range reports."""

    __tablename__ = "course_daily_stats"

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    enrollments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active_students: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    revenue_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    refunds_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # added by the rollups (migration 0018): see app/analytics/rollups.py
    currency: Mapped[str] = mapped_column(CHAR(3), default="USD", server_default="USD")
    dropouts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lesson_views: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    watched_seconds: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    quiz_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    quiz_passed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    quiz_score_sum: Mapped[Decimal] = mapped_column(
        Numeric(14, 2), default=Decimal(0), server_default="0"
    )
    ratings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating_sum: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        CheckConstraint(
            "enrollments >= 0 AND completions >= 0 AND active_students >= 0"
            " AND revenue_minor >= 0 AND refunds_minor >= 0",
            name="counts_non_negative",
        ),
        Index("ix_course_daily_stats_day", "day"),
    )


class SearchQuery(IdMixin, Base):
    """A normalised search string and how often it was searched (trending searches)."""

    __tablename__ = "search_queries"

    query: Mapped[str] = mapped_column(String(200), unique=True)
    count: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    results_count: Mapped[int | None] = mapped_column(Integer)
    first_searched_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_searched_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint("count > 0", name="count_positive"),
        Index("ix_search_queries_last_searched", "last_searched_at"),
    )
