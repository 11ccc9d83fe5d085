"""Communication: direct-message conversations, course discussion forums and announcements."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin, TimestampMixin, str_enum


class ThreadCategory(enum.StrEnum):
    GENERAL = "general"
    QUESTION = "question"
    TECHNICAL = "technical"
    ASSIGNMENT = "assignment"
    FEEDBACK = "feedback"
    OFF_TOPIC = "off_topic"


class AnnouncementStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


class Conversation(IdMixin, CreatedMixin, Base):
    __tablename__ = "conversations"

    # "<smaller user id>:<larger user id>" for one-to-one conversations, so a pair has only one
    direct_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    subject: Mapped[str | None] = mapped_column(String(255))
    last_message_at: Mapped[datetime | None] = mapped_column(index=True)


class ConversationParticipant(CreatedMixin, Base):
    """One side of a conversation: its read state and its own soft delete."""

    __tablename__ = "conversation_participants"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_read_message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    last_read_at: Mapped[datetime | None]
    # messages created before this moment are hidden from this participant only
    deleted_at: Mapped[datetime | None]
    muted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class UserBlock(CreatedMixin, Base):
    """`blocker_id` receives no messages from `blocked_id` (and cannot message them either)."""

    __tablename__ = "user_blocks"

    blocker_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    __table_args__ = (CheckConstraint("blocker_id <> blocked_id", name="not_self"),)


class Message(IdMixin, CreatedMixin, Base):
    __tablename__ = "messages"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    sender_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    parent_message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    edited_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_messages_conversation_created", "conversation_id", "created_at"),)


class MessageDeletion(CreatedMixin, Base):
    """One side's soft delete of one message: hidden from that participant, kept for the other
    side and for moderation."""

    __tablename__ = "message_deletions"

    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class DiscussionThread(IdMixin, TimestampMixin, Base):
    __tablename__ = "discussion_threads"

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[ThreadCategory] = mapped_column(
        str_enum(ThreadCategory, "thread_category"),
        default=ThreadCategory.GENERAL,
        server_default="general",
    )
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    is_pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    is_locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    view_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reply_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_activity_at: Mapped[datetime] = mapped_column(server_default=func.now())
    deleted_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("view_count >= 0 AND reply_count >= 0", name="counts_non_negative"),
        Index(
            "ix_discussion_threads_course_activity", "course_id", "is_pinned", "last_activity_at"
        ),
        Index("ix_discussion_threads_course_category", "course_id", "category"),
    )


class DiscussionPost(IdMixin, TimestampMixin, Base):
    __tablename__ = "discussion_posts"

    thread_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("discussion_threads.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    parent_post_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)  # sanitised HTML
    upvote_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_solution: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    edited_at: Mapped[datetime | None]
    edit_history: Mapped[list[Any]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    deleted_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_discussion_posts_thread_created", "thread_id", "created_at"),
        Index(
            "uq_discussion_posts_one_solution",
            "thread_id",
            unique=True,
            postgresql_where=text("is_solution"),
        ),
    )


class PostVote(CreatedMixin, Base):
    """One vote per user per post; voting again toggles (the service deletes the row)."""

    __tablename__ = "post_votes"

    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")

    __table_args__ = (CheckConstraint("value IN (-1, 1)", name="value_unit"),)


class Announcement(IdMixin, TimestampMixin, Base):
    """A course announcement, or a platform-wide one (no course) sent by an admin."""

    __tablename__ = "announcements"

    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)  # sanitised HTML
    status: Mapped[AnnouncementStatus] = mapped_column(
        str_enum(AnnouncementStatus, "announcement_status"),
        default=AnnouncementStatus.DRAFT,
        server_default="draft",
    )
    scheduled_for: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    # earlier texts [{"title", "body", "edited_at"}] and the soft delete: kept for moderation
    edit_history: Mapped[list[Any]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    deleted_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(
            "status <> 'scheduled' OR scheduled_for IS NOT NULL", name="scheduled_has_time"
        ),
        Index(
            "ix_announcements_due",
            "scheduled_for",
            postgresql_where=text("status = 'scheduled'"),
        ),
        Index("ix_announcements_course_published", "course_id", "published_at"),
    )
