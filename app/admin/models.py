"""Operations: the audit log of privileged actions, persisted queries (APQ), partner API keys with
the trusted documents they may run, and failed background jobs kept for inspection and retry."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin, TimestampMixin, str_enum


class AuditLogEntry(IdMixin, CreatedMixin, Base):
    """Append-only; survives the deletion of its actor (actor_id SET NULL)."""

    __tablename__ = "audit_log"

    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(100))  # e.g. "course.approve", "refund.issue"
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    ip_address: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(String(512))
    request_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
        Index("ix_audit_log_actor_created", "actor_id", "created_at"),
        Index("ix_audit_log_action_created", "action", "created_at"),
    )


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # acted on (content hidden or removed)
    DISMISSED = "dismissed"


class ContentReport(IdMixin, TimestampMixin, Base):
    """A user's report of a post, message or review: the moderation queue (one per reporter)."""

    __tablename__ = "content_reports"

    target_type: Mapped[str] = mapped_column(String(30))  # "discussion_post" | "message" | …
    target_id: Mapped[uuid.UUID]
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(String(40))
    details: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"), default=ReportStatus.OPEN, server_default="open"
    )
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "reporter_id", name="uq_content_reports_once"),
        Index("ix_content_reports_status_created", "status", "created_at"),
        Index("ix_content_reports_target", "target_type", "target_id"),
    )


class PersistedQuery(IdMixin, CreatedMixin, Base):
    """Automatic Persisted Queries registered by hash; Redis is the hot cache in front of it."""

    __tablename__ = "persisted_queries"

    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    query: Mapped[str] = mapped_column(Text)
    operation_name: Mapped[str | None] = mapped_column(String(200))
    hits: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    last_used_at: Mapped[datetime | None]

    __table_args__ = (CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_hex"),)


class ApiKey(IdMixin, TimestampMixin, Base):
    """A partner key: shown once, stored as a hash, looked up by its public prefix."""

    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(120))  # the partner
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    scopes: Mapped[list[Any]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    # the trusted-document manifest this key is restricted to (see trusted_documents)
    manifest: Mapped[str | None] = mapped_column(String(100))
    # a trusted-only key may run nothing but the documents of its owner's manifest
    trusted_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer, default=600, server_default="600")
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    __table_args__ = (CheckConstraint("rate_limit_per_minute > 0", name="rate_limit_positive"),)


class TrustedDocument(IdMixin, CreatedMixin, Base):
    """One operation of a trusted-document manifest; partner keys may run only these."""

    __tablename__ = "trusted_documents"

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    manifest: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    operation_name: Mapped[str | None] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("owner_id", "manifest", "sha256"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_hex"),
        Index("ix_trusted_documents_sha256", "sha256"),
    )


class FailedJob(IdMixin, Base):
    """A background job that exhausted its retries (dead letter), for admins to inspect/retry."""

    __tablename__ = "failed_jobs"

    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    queue: Mapped[str] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(200))
    args: Mapped[Any] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    kwargs: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    error: Mapped[str] = mapped_column(Text)
    traceback: Mapped[str | None] = mapped_column(Text)
    retries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    retried_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "ix_failed_jobs_unresolved", "failed_at", postgresql_where=text("resolved_at IS NULL")
        ),
    )
