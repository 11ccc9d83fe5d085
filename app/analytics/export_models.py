"""`analytics_exports`: one row per requested analytics file export, whatever its format.

Shared by every analytics export (`kind`): 'xapi_ndjson' (learning events as xAPI statements,
app/analytics/event_export.py) today; a report's CSV export can add its own kind. A row is written
PENDING in the request's transaction with an outbox event, a worker makes it RUNNING, writes the
file to storage under `storage_key` and marks it SUCCEEDED (with `row_count`, `byte_size`) or
FAILED (with `error`). `parameters` holds what the export was asked for (e.g. its filter) as JSON;
the file itself is handed out through a signed, expiring download URL.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin, str_enum


class ExportKind(enum.StrEnum):
    XAPI_NDJSON = "xapi_ndjson"


class ExportStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AnalyticsExport(IdMixin, CreatedMixin, Base):
    __tablename__ = "analytics_exports"

    kind: Mapped[str] = mapped_column(String(50))
    status: Mapped[ExportStatus] = mapped_column(
        str_enum(ExportStatus, "analytics_export_status"),
        default=ExportStatus.PENDING,
        server_default=ExportStatus.PENDING.value,
    )
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    parameters: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    storage_key: Mapped[str | None] = mapped_column(String(512))
    content_type: Mapped[str | None] = mapped_column(String(100))
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    byte_size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_analytics_exports_kind_created", "kind", "created_at"),)
