"""Live communication and notifications: blocks, per-side message deletion, content reports
(the moderation queue), platform-wide announcements (no course), e-mail digest frequency per
notification type, notifications waiting for a digest, Web Push keys on push devices.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "content_reports",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("target_type", sa.String(length=30), nullable=False),
        sa.Column("target_id", sa.UUID(), nullable=False),
        sa.Column("reporter_id", sa.UUID(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "resolved",
                "dismissed",
                name="report_status",
                native_enum=False,
                create_constraint=True,
            ),
            server_default="open",
            nullable=False,
        ),
        sa.Column("resolved_by_id", sa.UUID(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_content_reports_reporter_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_content_reports_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_reports")),
        sa.UniqueConstraint(
            "target_type", "target_id", "reporter_id", name="uq_content_reports_once"
        ),
    )
    op.create_index(
        op.f("ix_content_reports_reporter_id"), "content_reports", ["reporter_id"], unique=False
    )
    op.create_index(
        "ix_content_reports_status_created",
        "content_reports",
        ["status", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_content_reports_target", "content_reports", ["target_type", "target_id"], unique=False
    )
    op.create_table(
        "user_blocks",
        sa.Column("blocker_id", sa.UUID(), nullable=False),
        sa.Column("blocked_id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("blocker_id <> blocked_id", name=op.f("ck_user_blocks_not_self")),
        sa.ForeignKeyConstraint(
            ["blocked_id"],
            ["users.id"],
            name=op.f("fk_user_blocks_blocked_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["blocker_id"],
            ["users.id"],
            name=op.f("fk_user_blocks_blocker_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id", name=op.f("pk_user_blocks")),
    )
    op.create_index(op.f("ix_user_blocks_blocked_id"), "user_blocks", ["blocked_id"], unique=False)
    op.create_table(
        "message_deletions",
        sa.Column("message_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_deletions_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_message_deletions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "user_id", name=op.f("pk_message_deletions")),
    )
    op.create_index(
        op.f("ix_message_deletions_user_id"), "message_deletions", ["user_id"], unique=False
    )
    op.alter_column("announcements", "course_id", existing_type=sa.UUID(), nullable=True)
    op.add_column(
        "notification_preferences",
        sa.Column(
            "email_digest",
            sa.Enum(
                "immediate",
                "daily",
                "weekly",
                name="digest_frequency",
                native_enum=False,
                create_constraint=True,
            ),
            server_default="immediate",
            nullable=False,
        ),
    )
    op.add_column(
        "notifications",
        sa.Column("digest_pending", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.create_index(
        "ix_notifications_digest_pending",
        "notifications",
        ["recipient_id"],
        unique=False,
        postgresql_where=sa.text("digest_pending"),
    )
    op.add_column("push_devices", sa.Column("p256dh", sa.String(length=200), nullable=True))
    op.add_column("push_devices", sa.Column("auth_secret", sa.String(length=100), nullable=True))
    op.add_column(
        "push_devices", sa.Column("failure_count", sa.Integer(), server_default="0", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("push_devices", "failure_count")
    op.drop_column("push_devices", "auth_secret")
    op.drop_column("push_devices", "p256dh")
    op.drop_index(
        "ix_notifications_digest_pending",
        table_name="notifications",
        postgresql_where=sa.text("digest_pending"),
    )
    op.drop_column("notifications", "digest_pending")
    op.drop_column("notification_preferences", "email_digest")
    op.execute("DELETE FROM announcements WHERE course_id IS NULL")
    op.alter_column("announcements", "course_id", existing_type=sa.UUID(), nullable=False)
    op.drop_index(op.f("ix_message_deletions_user_id"), table_name="message_deletions")
    op.drop_table("message_deletions")
    op.drop_index(op.f("ix_user_blocks_blocked_id"), table_name="user_blocks")
    op.drop_table("user_blocks")
    op.drop_index("ix_content_reports_target", table_name="content_reports")
    op.drop_index("ix_content_reports_status_created", table_name="content_reports")
    op.drop_index(op.f("ix_content_reports_reporter_id"), table_name="content_reports")
    op.drop_table("content_reports")
