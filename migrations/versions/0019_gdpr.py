"""GDPR: data exports and account erasure.

data_exports holds each requested export of a user's data (at most one in the making per user);
account_deletions each confirmed request to erase an account (at most one scheduled per user),
erased by a worker once its cool-off has passed. One-time tokens gain the `delete_account`
purpose (the e-mailed confirmation of a deletion request).

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PURPOSES = ("verify_email", "reset_password", "change_email")


def _purpose_check(values: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_one_time_tokens_token_purpose"), "one_time_tokens", type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint("token_purpose", "one_time_tokens", f"purpose IN ({listed})")


def upgrade() -> None:
    _purpose_check([*_PURPOSES, "delete_account"])
    op.create_table(
        "data_exports",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "requested", "building", "ready", "failed",
                name="data_export_state", native_enum=False, create_constraint=True,
            ),
            server_default="requested",
            nullable=False,
        ),
        sa.Column("storage_key", sa.String(length=300), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_data_exports_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
    )
    op.create_index("ix_data_exports_user_created", "data_exports", ["user_id", "created_at"])
    op.create_index(
        "uq_data_exports_user_pending",
        "data_exports",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("state IN ('requested', 'building')"),
    )
    op.create_table(
        "account_deletions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "scheduled", "cancelled", "erased",
                name="account_deletion_state", native_enum=False, create_constraint=True,
            ),
            server_default="scheduled",
            nullable=False,
        ),
        sa.Column("keep_certificates_verifiable", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("requested_by_id", sa.UUID(), nullable=True),
        sa.Column("erase_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_account_deletions_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_account_deletions_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_deletions")),
    )
    op.create_index(
        "ix_account_deletions_due",
        "account_deletions",
        ["erase_after"],
        postgresql_where=sa.text("state = 'scheduled'"),
    )
    op.create_index(
        "uq_account_deletions_user_scheduled",
        "account_deletions",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("state = 'scheduled'"),
    )


def downgrade() -> None:
    op.drop_table("account_deletions")
    op.drop_table("data_exports")
    op.execute("DELETE FROM one_time_tokens WHERE purpose = 'delete_account'")
    _purpose_check(_PURPOSES)
