"""CMS: blog posts and testimonials.

- blog_posts: the featured image is an uploaded asset (`featured_image_id`, replacing the free
  `featured_image_url`), `reading_time_minutes` is computed on save, a GIN index serves the
  full-text `search` filter.
- testimonials: a rejection is recorded (`rejected_at`, `rejected_by_id`); a user has at most one
  pending testimonial (partial unique index).

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("blog_posts", sa.Column("featured_image_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        "fk_blog_posts_featured_image_id_file_assets",
        "blog_posts",
        "file_assets",
        ["featured_image_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.drop_column("blog_posts", "featured_image_url")
    op.add_column(
        "blog_posts",
        sa.Column("reading_time_minutes", sa.Integer(), server_default="1", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_blog_posts_reading_time_positive"), "blog_posts", "reading_time_minutes >= 1"
    )
    op.create_index(
        "ix_blog_posts_search_vector",
        "blog_posts",
        ["search_vector"],
        postgresql_using="gin",
    )
    op.add_column("testimonials", sa.Column("rejected_at", sa.DateTime(timezone=True)))
    op.add_column("testimonials", sa.Column("rejected_by_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        "fk_testimonials_rejected_by_id_users",
        "testimonials",
        "users",
        ["rejected_by_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        "uq_testimonials_one_pending",
        "testimonials",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("NOT is_approved AND rejected_at IS NULL"),
    )
    op.create_index(
        "ix_testimonials_public",
        "testimonials",
        [sa.text("approved_at DESC"), sa.text("id DESC")],
        postgresql_where=sa.text("is_approved"),
    )


def downgrade() -> None:
    op.drop_index("ix_testimonials_public", table_name="testimonials")
    op.drop_index("uq_testimonials_one_pending", table_name="testimonials")
    op.drop_constraint("fk_testimonials_rejected_by_id_users", "testimonials", type_="foreignkey")
    op.drop_column("testimonials", "rejected_by_id")
    op.drop_column("testimonials", "rejected_at")
    op.drop_index("ix_blog_posts_search_vector", table_name="blog_posts")
    op.drop_constraint(op.f("ck_blog_posts_reading_time_positive"), "blog_posts", type_="check")
    op.drop_column("blog_posts", "reading_time_minutes")
    op.add_column("blog_posts", sa.Column("featured_image_url", sa.String(1000)))
    op.drop_constraint(
        "fk_blog_posts_featured_image_id_file_assets", "blog_posts", type_="foreignkey"
    )
    op.drop_column("blog_posts", "featured_image_id")
