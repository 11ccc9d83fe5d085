"""enrollment (issue 4): enrollments.final_exam_passed_at

Revision ID: 0004
Revises: 0003

Course completion needs every lesson completed and, when `courses.requires_final_exam`, the final
exam passed; the assessments record that moment here
(`app.learning.progress.mark_final_exam_passed`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "enrollments",
        sa.Column("final_exam_passed_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("enrollments", "final_exam_passed_at")
