"""Announcements keep their moderation history: earlier texts (edit_history) and a soft delete
(deleted_at) instead of removing the row.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "announcements",
        sa.Column(
            "edit_history",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column(
        "announcements", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.execute("DELETE FROM announcements WHERE deleted_at IS NOT NULL")
    op.drop_column("announcements", "deleted_at")
    op.drop_column("announcements", "edit_history")
