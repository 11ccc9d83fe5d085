"""Tables the rollup worker fills (one row per key and UTC day, replaced when a day is rolled up
again) and the CSV reports built from them. `course_daily_stats` (app/analytics/models.py) is
the per-course day; instructors' numbers are summed on read from it."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin, str_enum


class LessonDailyStats(Base):
    """A lesson's funnel step on one day: learners who viewed it / completed it for the first
    time that day (so a sum over days counts each learner once), quiz attempts and failures."""

    __tablename__ = "lesson_daily_stats"

    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    first_viewers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_completers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    quiz_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    quiz_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        CheckConstraint(
            "first_viewers >= 0 AND first_completers >= 0 AND quiz_attempts >= 0"
            " AND quiz_failures BETWEEN 0 AND quiz_attempts",
            name="counts_valid",
        ),
        Index("ix_lesson_daily_stats_course_day", "course_id", "day"),
        Index("ix_lesson_daily_stats_day", "day"),
    )


class PlatformDailyStats(Base):
    """The whole platform on one day (money is summed on read per currency from the courses)."""

    __tablename__ = "platform_daily_stats"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    signups: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active_users: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # distinct users active in the 30 days ending with `day` (monthly active users)
    active_users_30d: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    new_enrollments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    searches: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        CheckConstraint(
            "signups >= 0 AND active_users >= 0 AND active_users_30d >= active_users"
            " AND new_enrollments >= 0 AND completions >= 0 AND searches >= 0",
            name="counts_valid",
        ),
    )


class SearchMissDaily(Base):
    """A normalised search that found nothing, and how often, on one day."""

    __tablename__ = "search_miss_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    query: Mapped[str] = mapped_column(String(200), primary_key=True)
    searches: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("searches > 0", name="searches_positive"),)


class StudentDailyActivity(Base):
    """A user active on one day (any recorded event: daily/monthly active users); `learned` when
    the activity was learning (lessons, videos, quizzes, exams, assignments: streaks)."""

    __tablename__ = "student_daily_activity"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    seconds_learned: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lessons_completed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    learned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    __table_args__ = (
        CheckConstraint(
            "seconds_learned >= 0 AND lessons_completed >= 0", name="counts_non_negative"
        ),
        Index("ix_student_daily_activity_day", "day"),
    )


class ReportKind(enum.StrEnum):
    COURSE = "course"
    PLATFORM = "platform"


class ReportStatus(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class AnalyticsReport(IdMixin, CreatedMixin, Base):
    """A CSV report requested over a date range, built at once (small ranges) or by a worker."""

    __tablename__ = "analytics_reports"

    kind: Mapped[ReportKind] = mapped_column(str_enum(ReportKind, "analytics_report_kind"))
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    start_day: Mapped[date] = mapped_column(Date)
    end_day: Mapped[date] = mapped_column(Date)
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "analytics_report_status"),
        default=ReportStatus.PENDING,
        server_default="pending",
    )
    storage_key: Mapped[str | None] = mapped_column(String(512))
    error: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("start_day <= end_day", name="range_ordered"),
        CheckConstraint(
            "(kind = 'course') = (course_id IS NOT NULL)",
            name="course_report_has_course",
        ),
    )
