"""images attach uploads by reference: user_profiles.avatar_asset_id, courses.image_asset_id

The URL columns they replace (user_profiles.avatar_url, courses.image_url) held whatever URL a
client typed; an attached upload's URL is derived from its asset when it is read.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("user_profiles", "avatar"), ("courses", "image"))


def upgrade() -> None:
    for table, name in COLUMNS:
        op.add_column(table, sa.Column(f"{name}_asset_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            f"fk_{table}_{name}_asset_id_file_assets",
            table,
            "file_assets",
            [f"{name}_asset_id"],
            ["id"],
            ondelete="SET NULL",
        )
        op.create_index(f"ix_{table}_{name}_asset_id", table, [f"{name}_asset_id"])
        op.drop_column(table, f"{name}_url")


def downgrade() -> None:
    for table, name in COLUMNS:
        op.add_column(table, sa.Column(f"{name}_url", sa.String(length=1000), nullable=True))
        op.drop_index(f"ix_{table}_{name}_asset_id", table_name=table)
        op.drop_constraint(f"fk_{table}_{name}_asset_id_file_assets", table, type_="foreignkey")
        op.drop_column(table, f"{name}_asset_id")
