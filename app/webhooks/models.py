"""Outbound webhooks: a partner's endpoint subscribed to events, and every delivery to it."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin, TimestampMixin, str_enum


class WebhookEvent(enum.StrEnum):
    USER_REGISTERED = "user_registered"
    ENROLLMENT_CREATED = "enrollment_created"
    COURSE_COMPLETED = "course_completed"
    CERTIFICATE_ISSUED = "certificate_issued"
    ORDER_PAID = "order_paid"
    REFUND_PROCESSED = "refund_processed"
    COURSE_PUBLISHED = "course_published"


# Events about one course: instructors may subscribe to them, and receive those of their courses.
COURSE_EVENTS: frozenset[WebhookEvent] = frozenset(
    {
        WebhookEvent.ENROLLMENT_CREATED,
        WebhookEvent.COURSE_COMPLETED,
        WebhookEvent.CERTIFICATE_ISSUED,
        WebhookEvent.COURSE_PUBLISHED,
    }
)


class WebhookStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # by the circuit breaker: nothing is delivered until resumed


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # queued, or waiting for its next attempt
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # every attempt failed, or the payload could not be rendered


class Webhook(IdMixin, TimestampMixin, Base):
    __tablename__ = "webhooks"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    subscription_query: Mapped[str] = mapped_column(Text)
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[WebhookStatus] = mapped_column(
        str_enum(WebhookStatus, "webhook_status"),
        default=WebhookStatus.ACTIVE,
        server_default="active",
    )
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    paused_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_webhooks_events", "events", postgresql_using="gin"),)


class WebhookDelivery(IdMixin, TimestampMixin, Base):
    """One event sent (or to send) to one webhook; a redelivery is a new row with the same body."""

    __tablename__ = "webhook_deliveries"

    webhook_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    # the outbox event this delivery came from (one delivery per webhook and event)
    event_id: Mapped[uuid.UUID]
    # what happened: ids of the objects and when; rendered into `body` at the first attempt
    event_data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    body: Mapped[str | None] = mapped_column(Text)
    redelivery_of_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="SET NULL")
    )
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "webhook_delivery_status"),
        default=DeliveryStatus.PENDING,
        server_default="pending",
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_webhook_deliveries_webhook_created", "webhook_id", "created_at", "id"),
        Index(
            "uq_webhook_deliveries_webhook_event",
            "webhook_id",
            "event_id",
            unique=True,
            postgresql_where=text("redelivery_of_id IS NULL"),
        ),
    )
