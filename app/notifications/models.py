"""Notifications: in-app notifications, channel preferences, push devices, the e-mail log and
newsletter subscribers."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin, TimestampMixin, str_enum


class EmailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # committed before the mailer is called: an interrupted send shows
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"


class EmailLog(IdMixin, TimestampMixin, Base):
    """Every e-mail we send: queued with the write that caused it, then sent or failed."""

    __tablename__ = "email_log"

    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(255))
    context: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    status: Mapped[EmailStatus] = mapped_column(
        str_enum(EmailStatus, "email_status"), default=EmailStatus.QUEUED, server_default="queued"
    )
    # files sent along: [{"storage_key", "filename", "content_type"}], read from object storage
    attachments: Mapped[list[dict[str, str]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    error_message: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_email_log_status_created", "status", "created_at"),)


class NotificationType(enum.StrEnum):
    NEW_MESSAGE = "new_message"
    ASSIGNMENT_DUE = "assignment_due"
    GRADE_POSTED = "grade_posted"
    COURSE_UPDATE = "course_update"
    ANNOUNCEMENT = "announcement"
    DISCUSSION_REPLY = "discussion_reply"
    ENROLLMENT_CONFIRMED = "enrollment_confirmed"
    PAYMENT_SUCCEEDED = "payment_succeeded"
    PAYMENT_FAILED = "payment_failed"
    REFUND_PROCESSED = "refund_processed"
    CERTIFICATE_ISSUED = "certificate_issued"
    SOLUTION_ACCEPTED = "solution_accepted"
    VIDEO_READY = "video_ready"
    DIGEST = "digest"
    SYSTEM = "system"


class NotificationCategory(enum.StrEnum):
    COURSE = "course"
    PAYMENT = "payment"
    SOCIAL = "social"
    SYSTEM = "system"
    MARKETING = "marketing"


class NotificationPriority(enum.StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class PushPlatform(enum.StrEnum):
    IOS = "ios"
    ANDROID = "android"
    WEB = "web"


class DigestFrequency(enum.StrEnum):
    """How e-mails of one notification type reach the user: one each, or folded into a digest."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


class NewsletterStatus(enum.StrEnum):
    PENDING = "pending"
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"


class Notification(IdMixin, CreatedMixin, Base):
    __tablename__ = "notifications"

    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    type: Mapped[NotificationType] = mapped_column(str_enum(NotificationType, "notification_type"))
    category: Mapped[NotificationCategory] = mapped_column(
        str_enum(NotificationCategory, "notification_category"),
        default=NotificationCategory.SYSTEM,
        server_default="system",
    )
    priority: Mapped[NotificationPriority] = mapped_column(
        str_enum(NotificationPriority, "notification_priority"),
        default=NotificationPriority.NORMAL,
        server_default="normal",
    )
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    action_url: Mapped[str | None] = mapped_column(String(1000))
    is_read: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    read_at: Mapped[datetime | None]
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    expires_at: Mapped[datetime | None]
    # bursts with the same key are folded into one digest (seed property 51)
    group_key: Mapped[str | None] = mapped_column(String(200))
    # waiting for the recipient's daily / weekly e-mail digest
    digest_pending: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )

    __table_args__ = (
        Index("ix_notifications_recipient_read_created", "recipient_id", "is_read", "created_at"),
        Index("ix_notifications_recipient_group", "recipient_id", "group_key"),
        Index("ix_notifications_expires_at", "expires_at"),
        Index(
            "ix_notifications_digest_pending",
            "recipient_id",
            postgresql_where=text("digest_pending"),
        ),
    )


class NotificationPreference(TimestampMixin, Base):
    """Channel choices per user and type; a missing row means the type's defaults."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[NotificationType] = mapped_column(
        str_enum(NotificationType, "notification_type"), primary_key=True
    )
    in_app: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    email: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    push: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    email_digest: Mapped[DigestFrequency] = mapped_column(
        str_enum(DigestFrequency, "digest_frequency"),
        default=DigestFrequency.IMMEDIATE,
        server_default="immediate",
    )


class PushDevice(IdMixin, TimestampMixin, Base):
    """A Web Push subscription: `token` is the push service endpoint, with the browser's keys."""

    __tablename__ = "push_devices"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(512), unique=True)
    platform: Mapped[PushPlatform] = mapped_column(str_enum(PushPlatform, "push_platform"))
    last_seen_at: Mapped[datetime | None]
    p256dh: Mapped[str | None] = mapped_column(String(200))
    auth_secret: Mapped[str | None] = mapped_column(String(100))
    # consecutive failed sends; the device is removed when the push service says it is gone
    failure_count: Mapped[int] = mapped_column(default=0, server_default="0")


class NewsletterSubscriber(IdMixin, TimestampMixin, Base):
    """Double opt-in: `pending` until the e-mailed confirmation link is followed."""

    __tablename__ = "newsletter_subscribers"

    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str | None] = mapped_column(String(150))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[NewsletterStatus] = mapped_column(
        str_enum(NewsletterStatus, "newsletter_status"),
        default=NewsletterStatus.PENDING,
        server_default="pending",
    )
    confirmation_token_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    confirmation_sent_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    source: Mapped[str | None] = mapped_column(String(60))
