"""Media: uploaded file assets (local or S3 storage), videos and their processing jobs."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin, TimestampMixin, str_enum


class FilePurpose(enum.StrEnum):
    AVATAR = "avatar"
    COURSE_IMAGE = "course_image"
    COURSE_TRAILER = "course_trailer"
    LESSON_VIDEO = "lesson_video"
    LESSON_RESOURCE = "lesson_resource"
    COURSE_RESOURCE = "course_resource"
    ASSIGNMENT_SUBMISSION = "assignment_submission"
    EXAM_RESOURCE = "exam_resource"
    EXAM_SUBMISSION = "exam_submission"
    MESSAGE_ATTACHMENT = "message_attachment"
    BLOG_IMAGE = "blog_image"
    CERTIFICATE = "certificate"
    INVOICE = "invoice"
    EXPORT = "export"
    CAPTION = "caption"  # a WebVTT subtitle track of a lesson video


class StorageBackend(enum.StrEnum):
    LOCAL = "local"
    S3 = "s3"


class FileStatus(enum.StrEnum):
    PENDING = "pending"  # upload URL handed out, object not confirmed yet
    UPLOADED = "uploaded"  # finalized: object exists, size and type checked
    READY = "ready"  # scanned / processed, may be served
    REJECTED = "rejected"
    DELETED = "deleted"


class ScanStatus(enum.StrEnum):
    NOT_SCANNED = "not_scanned"
    CLEAN = "clean"
    INFECTED = "infected"
    ERROR = "error"


class VideoStatus(enum.StrEnum):
    UPLOADED = "uploaded"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"
    UNAVAILABLE = "unavailable"  # no transcoder available in this deployment


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class FileAsset(IdMixin, CreatedMixin, Base):
    __tablename__ = "file_assets"

    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    purpose: Mapped[FilePurpose] = mapped_column(str_enum(FilePurpose, "file_purpose"))
    storage_backend: Mapped[StorageBackend] = mapped_column(
        str_enum(StorageBackend, "storage_backend")
    )
    storage_key: Mapped[str] = mapped_column(String(512), unique=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size_bytes: Mapped[int] = mapped_column(BigInteger)  # declared at request, checked at finalize
    checksum_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[FileStatus] = mapped_column(
        str_enum(FileStatus, "file_status"), default=FileStatus.PENDING, server_default="pending"
    )
    scan_status: Mapped[ScanStatus] = mapped_column(
        str_enum(ScanStatus, "scan_status"),
        default=ScanStatus.NOT_SCANNED,
        server_default="not_scanned",
    )
    upload_expires_at: Mapped[datetime | None]
    finalized_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("size_bytes >= 0", name="size_non_negative"),
        Index("ix_file_assets_status_created", "status", "created_at"),
    )


class VideoAsset(IdMixin, TimestampMixin, Base):
    __tablename__ = "video_assets"

    file_asset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("file_assets.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[VideoStatus] = mapped_column(
        str_enum(VideoStatus, "video_status"),
        default=VideoStatus.UPLOADED,
        server_default="uploaded",
    )
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    hls_manifest_key: Mapped[str | None] = mapped_column(String(512))
    thumbnail_key: Mapped[str | None] = mapped_column(String(512))
    renditions: Mapped[list[Any]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    error: Mapped[str | None] = mapped_column(Text)
    ready_at: Mapped[datetime | None]
    # what the probe found: {"width", "height", "video_codec", "audio_codec", "duration"}
    source_info: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    thumbnail_keys: Mapped[list[str]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )

    __table_args__ = (
        CheckConstraint(
            "duration_seconds IS NULL OR duration_seconds >= 0", name="duration_non_negative"
        ),
    )


class ProcessingJob(IdMixin, CreatedMixin, Base):
    __tablename__ = "processing_jobs"

    video_asset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("video_assets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "transcode_hls", "thumbnail"
    status: Mapped[JobStatus] = mapped_column(
        str_enum(JobStatus, "job_status"), default=JobStatus.QUEUED, server_default="queued"
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    # a RUNNING job whose lease ran out was abandoned (its worker died): the next delivery takes
    # it over
    lease_expires_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        UniqueConstraint("video_asset_id", "kind"),
    )


class VideoCaption(IdMixin, CreatedMixin, Base):
    """A WebVTT subtitle track of a video, one per language."""

    __tablename__ = "video_captions"

    video_asset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("video_assets.id", ondelete="CASCADE")
    )
    file_asset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("file_assets.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(35))  # a BCP 47 tag: "en", "pt-BR"
    label: Mapped[str] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("video_asset_id", "language"),)
