"""GDPR: requested data exports (a zip in storage) and scheduled account erasures."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin, TimestampMixin, str_enum


class ExportState(enum.StrEnum):
    REQUESTED = "requested"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


class DeletionState(enum.StrEnum):
    SCHEDULED = "scheduled"  # confirmed; erased once `erase_after` has passed
    CANCELLED = "cancelled"
    ERASED = "erased"


class DataExport(IdMixin, TimestampMixin, Base):
    __tablename__ = "data_exports"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[ExportState] = mapped_column(
        str_enum(ExportState, "data_export_state"),
        default=ExportState.REQUESTED,
        server_default="requested",
    )
    storage_key: Mapped[str | None] = mapped_column(String(300))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    completed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_data_exports_user_created", "user_id", "created_at"),
        # one export in the making per user: the database refuses a second, whatever the race
        Index(
            "uq_data_exports_user_pending",
            "user_id",
            unique=True,
            postgresql_where=text("state IN ('requested', 'building')"),
        ),
    )


class AccountDeletion(IdMixin, TimestampMixin, Base):
    __tablename__ = "account_deletions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[DeletionState] = mapped_column(
        str_enum(DeletionState, "account_deletion_state"),
        default=DeletionState.SCHEDULED,
        server_default="scheduled",
    )
    keep_certificates_verifiable: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    # the administrator who ordered it (eraseUser); null when the user asked
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    erase_after: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "ix_account_deletions_due", "erase_after", postgresql_where=text("state = 'scheduled'")
        ),
        Index(
            "uq_account_deletions_user_scheduled",
            "user_id",
            unique=True,
            postgresql_where=text("state = 'scheduled'"),
        ),
    )
