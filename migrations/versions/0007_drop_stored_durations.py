"""drop courses.duration_minutes and course_modules.duration_minutes

A course's and a module's duration is the sum of their lessons' `duration_minutes`, computed when
read (`durationMinutes` in the API); the stored columns were never kept up to date and had no reader.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("courses", "course_modules")


def upgrade() -> None:
    for table in TABLES:
        op.drop_constraint(op.f(f"ck_{table}_duration_non_negative"), table, type_="check")
        op.drop_column(table, "duration_minutes")


def downgrade() -> None:
    for table in TABLES:
        op.add_column(
            table,
            sa.Column("duration_minutes", sa.Integer(), server_default="0", nullable=False),
        )
        op.create_check_constraint(
            op.f(f"ck_{table}_duration_non_negative"), table, "duration_minutes >= 0"
        )
