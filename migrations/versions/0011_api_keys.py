"""Partner API keys may be restricted to trusted documents (trusted_only), and a trusted-document
manifest belongs to the user who uploaded it: its documents are unique per owner and manifest name.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "api_keys",
        sa.Column("trusted_only", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # no code wrote trusted documents before this revision; a row without an owner cannot be kept
    op.execute("DELETE FROM trusted_documents")
    op.add_column("trusted_documents", sa.Column("owner_id", sa.UUID(), nullable=False))
    op.create_foreign_key(
        op.f("fk_trusted_documents_owner_id_users"),
        "trusted_documents",
        "users",
        ["owner_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.drop_constraint(
        op.f("uq_trusted_documents_manifest_sha256"), "trusted_documents", type_="unique"
    )
    op.create_unique_constraint(
        op.f("uq_trusted_documents_owner_id_manifest_sha256"),
        "trusted_documents",
        ["owner_id", "manifest", "sha256"],
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("uq_trusted_documents_owner_id_manifest_sha256"), "trusted_documents", type_="unique"
    )
    op.execute("DELETE FROM trusted_documents")
    op.create_unique_constraint(
        op.f("uq_trusted_documents_manifest_sha256"), "trusted_documents", ["manifest", "sha256"]
    )
    op.drop_constraint(
        op.f("fk_trusted_documents_owner_id_users"), "trusted_documents", type_="foreignkey"
    )
    op.drop_column("trusted_documents", "owner_id")
    op.drop_column("api_keys", "trusted_only")
