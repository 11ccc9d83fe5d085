"""Analytics: learning events — a BRIN index on analytics_events.occurred_at (date-range scans
of an append-only, time-ordered table for a few pages of index) and `analytics_exports`, one row
per requested analytics file export (`kind` 'xapi_ndjson' for learning events as xAPI statements;
other analytics exports add their own kind).

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_analytics_events_occurred_brin",
        "analytics_events",
        ["occurred_at"],
        postgresql_using="brin",
    )
    op.create_table(
        "analytics_exports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "running",
                "succeeded",
                "failed",
                name="analytics_export_status",
                native_enum=False,
                create_constraint=True,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "parameters",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("storage_key", sa.String(length=512), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("row_count", sa.BigInteger(), nullable=True),
        sa.Column("byte_size", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_analytics_exports_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_exports")),
    )
    op.create_index(
        "ix_analytics_exports_kind_created", "analytics_exports", ["kind", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_analytics_exports_kind_created", table_name="analytics_exports")
    op.drop_table("analytics_exports")
    op.drop_index("ix_analytics_events_occurred_brin", table_name="analytics_events")
