"""Video processing: probing, HLS renditions, posters, captions.

- file_assets.purpose takes "caption" (WebVTT subtitle uploads);
- video_assets: what the probe found (source_info) and the thumbnails' keys;
- processing_jobs: a lease (a RUNNING job past it was abandoned by a dead worker and is taken
  over) and one job per (video, kind);
- video_captions: a video's subtitle tracks, one per language.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PURPOSES = (
    "avatar",
    "course_image",
    "course_trailer",
    "lesson_video",
    "lesson_resource",
    "course_resource",
    "assignment_submission",
    "exam_resource",
    "exam_submission",
    "message_attachment",
    "blog_image",
    "certificate",
    "invoice",
    "export",
)


def _purpose_check(values: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_file_assets_file_purpose"), "file_assets", type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint("file_purpose", "file_assets", f"purpose IN ({listed})")


def upgrade() -> None:
    _purpose_check((*PURPOSES, "caption"))
    op.add_column(
        "video_assets",
        sa.Column("source_info", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column(
        "video_assets",
        sa.Column(
            "thumbnail_keys",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column(
        "processing_jobs",
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_unique_constraint(
        op.f("uq_processing_jobs_video_asset_id_kind"),
        "processing_jobs",
        ["video_asset_id", "kind"],
    )
    op.create_table(
        "video_captions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("video_asset_id", sa.UUID(), nullable=False),
        sa.Column("file_asset_id", sa.UUID(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["file_asset_id"],
            ["file_assets.id"],
            name=op.f("fk_video_captions_file_asset_id_file_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["video_asset_id"],
            ["video_assets.id"],
            name=op.f("fk_video_captions_video_asset_id_video_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_captions")),
        sa.UniqueConstraint(
            "video_asset_id", "language", name=op.f("uq_video_captions_video_asset_id_language")
        ),
    )
    op.create_index(
        op.f("ix_video_captions_file_asset_id"), "video_captions", ["file_asset_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_video_captions_file_asset_id"), table_name="video_captions")
    op.drop_table("video_captions")
    op.drop_constraint(
        op.f("uq_processing_jobs_video_asset_id_kind"), "processing_jobs", type_="unique"
    )
    op.drop_column("processing_jobs", "lease_expires_at")
    op.drop_column("video_assets", "thumbnail_keys")
    op.drop_column("video_assets", "source_info")
    op.execute("DELETE FROM file_assets WHERE purpose = 'caption'")
    _purpose_check(PURPOSES)
