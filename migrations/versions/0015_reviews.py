"""Course reviews: post-moderation (new reviews visible, `hidden` by admins), instructor replies.

Reviews become visible when written (`approved`); an admin hides one (`hidden`). Existing
`pending` reviews are approved and the courses' rating columns recomputed from them.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_course_reviews_review_status"
STATUSES = "'pending', 'approved', 'rejected', 'hidden'"
OLD_STATUSES = "'pending', 'approved', 'rejected'"
RECOMPUTE = """
UPDATE courses SET
    average_rating = (SELECT round(avg(rating), 2) FROM course_reviews r
                      WHERE r.course_id = courses.id AND r.status = 'approved'),
    review_count = (SELECT count(*) FROM course_reviews r
                    WHERE r.course_id = courses.id AND r.status = 'approved')
"""


def upgrade() -> None:
    op.drop_constraint(op.f(CONSTRAINT), "course_reviews", type_="check")
    op.create_check_constraint(op.f(CONSTRAINT), "course_reviews", f"status IN ({STATUSES})")
    op.alter_column("course_reviews", "status", server_default="approved")
    op.execute("UPDATE course_reviews SET status = 'approved' WHERE status = 'pending'")
    op.add_column("course_reviews", sa.Column("reply_body", sa.Text(), nullable=True))
    op.add_column(
        "course_reviews",
        sa.Column("reply_author_id", postgresql.UUID(as_uuid=True), nullable=True),
    )
    op.create_foreign_key(
        op.f("fk_course_reviews_reply_author_id_users"),
        "course_reviews",
        "users",
        ["reply_author_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column(
        "course_reviews", sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "course_reviews", sa.Column("reply_updated_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        op.f("ix_course_reviews_course_status_rating"),
        "course_reviews",
        ["course_id", "status", "rating"],
    )
    op.execute(RECOMPUTE)


def downgrade() -> None:
    op.drop_index(op.f("ix_course_reviews_course_status_rating"), table_name="course_reviews")
    for column in ("reply_updated_at", "replied_at", "reply_author_id", "reply_body"):
        op.drop_column("course_reviews", column)
    op.execute("UPDATE course_reviews SET status = 'rejected' WHERE status = 'hidden'")
    op.drop_constraint(op.f(CONSTRAINT), "course_reviews", type_="check")
    op.create_check_constraint(op.f(CONSTRAINT), "course_reviews", f"status IN ({OLD_STATUSES})")
    op.alter_column("course_reviews", "status", server_default="pending")
