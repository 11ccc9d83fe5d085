"""Analytics: daily rollups and reports — lesson, platform, search-miss and student days, the
extra columns of course days, and CSV reports

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform_daily_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("signups", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active_users", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active_users_30d", sa.Integer(), server_default="0", nullable=False),
        sa.Column("new_enrollments", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("searches", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "signups >= 0 AND active_users >= 0 AND active_users_30d >= active_users AND new_enrollments >= 0 AND completions >= 0 AND searches >= 0",
            name=op.f("ck_platform_daily_stats_counts_valid"),
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_platform_daily_stats")),
    )
    op.create_table(
        "search_miss_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.CheckConstraint("searches > 0", name=op.f("ck_search_miss_daily_searches_positive")),
        sa.PrimaryKeyConstraint("day", "query", name=op.f("pk_search_miss_daily")),
    )
    op.create_table(
        "student_daily_activity",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seconds_learned", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lessons_completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("learned", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint(
            "seconds_learned >= 0 AND lessons_completed >= 0",
            name=op.f("ck_student_daily_activity_counts_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_student_daily_activity_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_student_daily_activity")),
    )
    op.create_index(
        "ix_student_daily_activity_day", "student_daily_activity", ["day"], unique=False
    )
    op.create_table(
        "analytics_reports",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "course",
                "platform",
                name="analytics_report_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("course_id", sa.UUID(), nullable=True),
        sa.Column("requested_by_id", sa.UUID(), nullable=True),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "ready",
                "failed",
                name="analytics_report_status",
                native_enum=False,
                create_constraint=True,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("storage_key", sa.String(length=512), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'course') = (course_id IS NOT NULL)",
            name=op.f("ck_analytics_reports_course_report_has_course"),
        ),
        sa.CheckConstraint("start_day <= end_day", name=op.f("ck_analytics_reports_range_ordered")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_analytics_reports_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_analytics_reports_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_reports")),
    )
    op.create_index(
        op.f("ix_analytics_reports_course_id"), "analytics_reports", ["course_id"], unique=False
    )
    op.create_index(
        op.f("ix_analytics_reports_requested_by_id"),
        "analytics_reports",
        ["requested_by_id"],
        unique=False,
    )
    op.create_table(
        "lesson_daily_stats",
        sa.Column("lesson_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("course_id", sa.UUID(), nullable=False),
        sa.Column("first_viewers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_completers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("quiz_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("quiz_failures", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "first_viewers >= 0 AND first_completers >= 0 AND quiz_attempts >= 0 AND quiz_failures BETWEEN 0 AND quiz_attempts",
            name=op.f("ck_lesson_daily_stats_counts_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_lesson_daily_stats_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_lesson_daily_stats_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lesson_id", "day", name=op.f("pk_lesson_daily_stats")),
    )
    op.create_index(
        "ix_lesson_daily_stats_course_day", "lesson_daily_stats", ["course_id", "day"], unique=False
    )
    op.create_index("ix_lesson_daily_stats_day", "lesson_daily_stats", ["day"], unique=False)
    op.add_column(
        "course_daily_stats",
        sa.Column("currency", sa.CHAR(length=3), server_default="USD", nullable=False),
    )
    op.add_column(
        "course_daily_stats",
        sa.Column("dropouts", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "course_daily_stats",
        sa.Column("lesson_views", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "course_daily_stats",
        sa.Column("watched_seconds", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.add_column(
        "course_daily_stats",
        sa.Column("quiz_attempts", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "course_daily_stats",
        sa.Column("quiz_passed", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "course_daily_stats",
        sa.Column(
            "quiz_score_sum", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False
        ),
    )
    op.add_column(
        "course_daily_stats", sa.Column("ratings", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "course_daily_stats",
        sa.Column("rating_sum", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("course_daily_stats", "rating_sum")
    op.drop_column("course_daily_stats", "ratings")
    op.drop_column("course_daily_stats", "quiz_score_sum")
    op.drop_column("course_daily_stats", "quiz_passed")
    op.drop_column("course_daily_stats", "quiz_attempts")
    op.drop_column("course_daily_stats", "watched_seconds")
    op.drop_column("course_daily_stats", "lesson_views")
    op.drop_column("course_daily_stats", "dropouts")
    op.drop_column("course_daily_stats", "currency")
    op.drop_index("ix_lesson_daily_stats_day", table_name="lesson_daily_stats")
    op.drop_index("ix_lesson_daily_stats_course_day", table_name="lesson_daily_stats")
    op.drop_table("lesson_daily_stats")
    op.drop_index(op.f("ix_analytics_reports_requested_by_id"), table_name="analytics_reports")
    op.drop_index(op.f("ix_analytics_reports_course_id"), table_name="analytics_reports")
    op.drop_table("analytics_reports")
    op.drop_index("ix_student_daily_activity_day", table_name="student_daily_activity")
    op.drop_table("student_daily_activity")
    op.drop_table("search_miss_daily")
    op.drop_table("platform_daily_stats")
