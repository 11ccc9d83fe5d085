"""The communication domain's part of a GDPR export and erasure.

Direct messages the user sent are blanked (they were private; the other participants keep the
thread, with an empty message from "Deleted user"). Discussion threads and posts and
announcements stay — other learners replied to them — with their author shown as "Deleted
user", their edit history dropped, and the user's e-mail address and full name replaced wherever
they occur in discussions, announcements and messages (also in what others wrote). Blocks and
per-user message deletions go."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.communication.models import (
    Announcement,
    Conversation,
    ConversationParticipant,
    DiscussionPost,
    DiscussionThread,
    Message,
    MessageDeletion,
    UserBlock,
)
from app.privacy import ErasureSubject, plain_rows, scrub_text


async def export_user_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    conversations = select(ConversationParticipant.conversation_id).where(
        ConversationParticipant.user_id == user_id
    )
    sent = await session.execute(
        select(
            Message.id,
            Message.conversation_id,
            Message.body,
            Message.attachments,
            Message.created_at,
            Message.edited_at,
        ).where(Message.sender_id == user_id)
    )
    joined = await session.execute(
        select(Conversation.id, Conversation.subject, Conversation.created_at).where(
            Conversation.id.in_(conversations)
        )
    )
    threads = await session.execute(
        select(
            DiscussionThread.id,
            DiscussionThread.course_id,
            DiscussionThread.title,
            DiscussionThread.body,
            DiscussionThread.created_at,
        ).where(DiscussionThread.author_id == user_id)
    )
    posts = await session.execute(
        select(
            DiscussionPost.id,
            DiscussionPost.thread_id,
            DiscussionPost.body,
            DiscussionPost.created_at,
            DiscussionPost.edited_at,
        ).where(DiscussionPost.author_id == user_id)
    )
    announcements = await session.execute(
        select(
            Announcement.id,
            Announcement.course_id,
            Announcement.title,
            Announcement.body,
            Announcement.created_at,
        ).where(Announcement.author_id == user_id)
    )
    return {
        "messages": {
            "conversations": plain_rows(joined.all()),
            "sent": plain_rows(sent.all()),
        },
        "discussions": {
            "threads": plain_rows(threads.all()),
            "posts": plain_rows(posts.all()),
            "announcements": plain_rows(announcements.all()),
        },
    }


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    user_id = subject.user_id
    await session.execute(
        update(Message).where(Message.sender_id == user_id).values(body="", attachments=[])
    )
    await session.execute(
        update(DiscussionPost).where(DiscussionPost.author_id == user_id).values(edit_history=[])
    )
    await session.execute(
        update(Announcement).where(Announcement.author_id == user_id).values(edit_history=[])
    )
    await session.execute(
        delete(UserBlock).where(
            or_(UserBlock.blocker_id == user_id, UserBlock.blocked_id == user_id)
        )
    )
    await session.execute(delete(MessageDeletion).where(MessageDeletion.user_id == user_id))
    for column in (
        Conversation.subject,
        Message.body,
        DiscussionThread.title,
        DiscussionThread.body,
        DiscussionPost.body,
        Announcement.title,
        Announcement.body,
    ):
        await scrub_text(session, column, subject)
