"""Instructor applications and public profiles.

instructor_profiles becomes the public page: a unique slug, expertise as a list, social links, an
avatar and whether the page is public; the stored totals (students, courses, reviews, rating),
never written, are dropped — they are computed from the instructor's courses when read.
instructor_applications holds students' requests to teach (one pending per user).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TOTALS = ("total_students", "total_courses", "review_count", "rating")


def upgrade() -> None:
    op.drop_constraint(op.f("ck_instructor_profiles_totals"), "instructor_profiles", type_="check")
    op.drop_constraint(op.f("ck_instructor_profiles_rating_range"), "instructor_profiles", type_="check")
    op.drop_constraint(op.f("ck_instructor_profiles_experience"), "instructor_profiles", type_="check")
    for column in _TOTALS:
        op.drop_column("instructor_profiles", column)
    op.execute(
        "ALTER TABLE instructor_profiles ALTER COLUMN expertise TYPE VARCHAR(60)[] USING "
        "string_to_array(btrim(regexp_replace(coalesce(expertise, ''), '\\s*,\\s*', ',', 'g'),"
        " ', '), ',')::varchar(60)[]"
    )
    op.alter_column(
        "instructor_profiles", "expertise", nullable=False, server_default=sa.text("'{}'")
    )
    op.add_column("instructor_profiles", sa.Column("slug", sa.String(length=120), nullable=True))
    op.add_column(
        "instructor_profiles",
        sa.Column(
            "social_links",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column("instructor_profiles", sa.Column("avatar_asset_id", sa.UUID(), nullable=True))
    op.add_column(
        "instructor_profiles",
        sa.Column("is_public", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.create_unique_constraint(
        op.f("uq_instructor_profiles_slug"), "instructor_profiles", ["slug"]
    )
    op.create_foreign_key(
        op.f("fk_instructor_profiles_avatar_asset_id_file_assets"),
        "instructor_profiles",
        "file_assets",
        ["avatar_asset_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        op.f("ix_instructor_profiles_avatar_asset_id"), "instructor_profiles", ["avatar_asset_id"]
    )
    op.create_check_constraint(
        op.f("ck_instructor_profiles_experience"),
        "instructor_profiles",
        "experience_years IS NULL OR experience_years BETWEEN 0 AND 80",
    )
    op.create_table(
        "instructor_applications",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("headline", sa.String(length=120), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column(
            "expertise",
            postgresql.ARRAY(sa.String(length=60)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("experience_years", sa.Integer(), nullable=True),
        sa.Column(
            "social_links",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("motivation", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                name="instructor_application_status",
                native_enum=False,
                create_constraint=True,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("decided_by_id", sa.UUID(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
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
            ["user_id"],
            ["users.id"],
            name=op.f("fk_instructor_applications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_instructor_applications_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instructor_applications")),
    )
    op.create_index(
        op.f("ix_instructor_applications_user_id"), "instructor_applications", ["user_id"]
    )
    op.create_index(
        "uq_instructor_applications_one_pending",
        "instructor_applications",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_instructor_applications_status_created",
        "instructor_applications",
        ["status", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_table("instructor_applications")
    op.drop_constraint(op.f("ck_instructor_profiles_experience"), "instructor_profiles", type_="check")
    op.drop_index(op.f("ix_instructor_profiles_avatar_asset_id"), "instructor_profiles")
    op.drop_constraint(
        op.f("fk_instructor_profiles_avatar_asset_id_file_assets"),
        "instructor_profiles",
        type_="foreignkey",
    )
    op.drop_constraint(op.f("uq_instructor_profiles_slug"), "instructor_profiles", type_="unique")
    for column in ("is_public", "avatar_asset_id", "social_links", "slug"):
        op.drop_column("instructor_profiles", column)
    op.alter_column("instructor_profiles", "expertise", server_default=None, nullable=True)
    op.execute(
        "ALTER TABLE instructor_profiles ALTER COLUMN expertise TYPE VARCHAR(255) "
        "USING left(array_to_string(expertise, ', '), 255)"
    )
    op.add_column(
        "instructor_profiles", sa.Column("rating", sa.Numeric(precision=3, scale=2), nullable=True)
    )
    for column in ("review_count", "total_courses", "total_students"):
        op.add_column(
            "instructor_profiles",
            sa.Column(column, sa.Integer(), server_default="0", nullable=False),
        )
    op.create_check_constraint(
        op.f("ck_instructor_profiles_experience"),
        "instructor_profiles",
        "experience_years IS NULL OR experience_years >= 0",
    )
