"""Direct messages between two users.

The messaging rule — who may START a conversation with whom:
(a) a student may message a teacher (the owner or a co-instructor / assistant) of a course they
    are enrolled in with access (active or completed enrollment);
(b) a teacher may message a student enrolled with access in a course they teach;
(c) anyone may message an admin, and an admin may message anyone.
Never oneself (CANNOT_MESSAGE_SELF); never when either side has blocked the other (BLOCKED);
never a deactivated, banned or deleted user (CANNOT_MESSAGE, as for everyone outside the rule).
Replying in an existing conversation (`send_message`) needs only: a participant, no block either
way (BLOCKED), the other side still active (CANNOT_MESSAGE) — the course relation may have ended.

A pair has one conversation (`conversations.direct_key`): starting again reuses it, and two
concurrent starts end in the same one. Bodies are sanitised HTML (nh3), required, at most 10,000
characters; a user sends at most 30 messages a minute (RATE_LIMITED).

Sending stores the message, moves `conversations.last_message_at`, notifies the other
participant (NEW_MESSAGE, category social) and publishes `{"type": "message.received",
"message_id", "conversation_id"}` on the user channel of every participant except the sender.

Deleting a message is per side (a `message_deletions` row): it disappears for the deleter only;
the other participant still sees it and it is kept for moderation. Reports go to the moderation
queue (`app.admin.moderation.file_report`, target type "message").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app import live
from app.accounts.models import User, UserRole
from app.admin.models import ContentReport
from app.admin.moderation import file_report
from app.clock import utcnow
from app.communication.errors import CommunicationCode
from app.communication.models import Conversation, ConversationParticipant, Message
from app.communication.repo import messaging as repo
from app.errors import Common, Invalid, NotFound, RateLimited
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.pagination import Page, PageRequest
from app.security.permissions import Actor, Permission, require_permission
from app.security.ratelimit import hit
from app.security.sanitize import has_text, plain_text, sanitize_html

BODY_MAX_LENGTH = 10_000
SUBJECT_MAX_LENGTH = 255
SEND_LIMIT = 30  # messages
SEND_WINDOW_SECONDS = 60
PREVIEW_LENGTH = 140
MESSAGE_RECEIVED = "message.received"
REPORT_TARGET = "message"


@dataclass(frozen=True)
class Sent:
    conversation: Conversation
    message: Message


# --- rules ------------------------------------------------------------------------------------


def reachable(user: User | None) -> bool:
    """Whether `user` can receive messages: exists, active, not deleted."""
    return user is not None and user.is_active and user.deleted_at is None


async def may_start(session: AsyncSession, actor: Actor, recipient: User) -> bool:
    """The course part of the messaging rule (module docstring), both directions, admins."""
    if actor.role == UserRole.ADMIN or UserRole(recipient.role) == UserRole.ADMIN:
        return True
    return await repo.teacher_and_student(
        session, recipient.id, actor.id
    ) or await repo.teacher_and_student(session, actor.id, recipient.id)


def clean_body(body: str) -> str:
    cleaned = sanitize_html(body or "")
    if not has_text(cleaned):
        raise Invalid("body", "Write a message.", Common.REQUIRED)
    if len(cleaned) > BODY_MAX_LENGTH:
        raise Invalid("body", f"At most {BODY_MAX_LENGTH:,} characters, please.", Common.TOO_LONG)
    return cleaned


def _clean_subject(subject: str | None) -> str | None:
    text = plain_text(subject or "") or None
    if text is not None and len(text) > SUBJECT_MAX_LENGTH:
        raise Invalid("subject", f"At most {SUBJECT_MAX_LENGTH} characters.", Common.TOO_LONG)
    return text


async def _charge(redis: Redis, actor: Actor) -> None:
    result = await hit(
        redis,
        f"messages:send:{actor.id}",
        limit=SEND_LIMIT,
        window_seconds=SEND_WINDOW_SECONDS,
    )
    if not result.allowed:
        raise RateLimited(result.reset_after, f"At most {SEND_LIMIT} messages a minute")


async def _participant(
    session: AsyncSession, actor: Actor, conversation_id: uuid.UUID
) -> tuple[Conversation, list[ConversationParticipant]]:
    """The conversation and its participants; NOT_FOUND unless the caller takes part."""
    conversation = await repo.get_conversation(session, conversation_id)
    if conversation is None:
        raise NotFound("Conversation")
    participants = await repo.participants_of(session, conversation_id)
    if all(p.user_id != actor.id for p in participants):
        raise NotFound("Conversation")
    return conversation, participants


# --- writes -----------------------------------------------------------------------------------


async def _deliver(
    session: AsyncSession,
    actor: Actor,
    conversation: Conversation,
    participants: list[ConversationParticipant],
    body: str,
) -> Message:
    now = utcnow()
    message = await repo.add_message(
        session, conversation_id=conversation.id, sender_id=actor.id, body=body, now=now
    )
    await session.refresh(conversation, ["last_message_at"])  # moved forward in SQL
    sender = await repo.get_user(session, actor.id)
    name = f"{sender.first_name} {sender.last_name}".strip() if sender else "Someone"
    preview = plain_text(body)
    if len(preview) > PREVIEW_LENGTH:
        preview = preview[: PREVIEW_LENGTH - 1] + "…"
    for other in participants:
        if other.user_id == actor.id:
            continue
        await notify(
            session,
            recipient_id=other.user_id,
            type=NotificationType.NEW_MESSAGE,
            title=f"New message from {name}",
            body=preview,
            category=NotificationCategory.SOCIAL,
            action_url=f"/messages/{conversation.id}",
            metadata={"conversation_id": str(conversation.id), "message_id": str(message.id)},
        )
        await live.publish(
            session,
            live.user_channel(other.user_id),
            {
                "type": MESSAGE_RECEIVED,
                "message_id": str(message.id),
                "conversation_id": str(conversation.id),
            },
        )
    return message


async def start_conversation(
    session: AsyncSession,
    redis: Redis,
    *,
    actor: Actor,
    recipient_id: uuid.UUID,
    body: str,
    subject: str | None = None,
) -> Sent:
    """The pair's conversation (created, or reused) with `body` sent in it (module docstring)."""
    if recipient_id == actor.id:
        raise Invalid(
            "recipient_id",
            CommunicationCode.CANNOT_MESSAGE_SELF.description,
            CommunicationCode.CANNOT_MESSAGE_SELF,
        )
    cleaned = clean_body(body)
    title = _clean_subject(subject)
    recipient = await repo.get_user(session, recipient_id)
    if recipient is None or not reachable(recipient):
        raise Invalid(
            "recipient_id",
            CommunicationCode.CANNOT_MESSAGE.description,
            CommunicationCode.CANNOT_MESSAGE,
        )
    if await repo.blocked_between(session, actor.id, recipient_id):
        raise Invalid(
            "recipient_id", CommunicationCode.BLOCKED.description, CommunicationCode.BLOCKED
        )
    if not await may_start(session, actor, recipient):
        raise Invalid(
            "recipient_id",
            CommunicationCode.CANNOT_MESSAGE.description,
            CommunicationCode.CANNOT_MESSAGE,
        )
    await _charge(redis, actor)
    conversation = await repo.get_or_create_direct(
        session, starter_id=actor.id, recipient_id=recipient_id, subject=title, now=utcnow()
    )
    participants = await repo.participants_of(session, conversation.id)
    message = await _deliver(session, actor, conversation, participants, cleaned)
    return Sent(conversation, message)


async def send_message(
    session: AsyncSession,
    redis: Redis,
    *,
    actor: Actor,
    conversation_id: uuid.UUID,
    body: str,
) -> Sent:
    """A reply in a conversation the caller takes part in (module docstring)."""
    conversation, participants = await _participant(session, actor, conversation_id)
    cleaned = clean_body(body)
    for other in participants:
        if other.user_id == actor.id:
            continue
        if await repo.blocked_between(session, actor.id, other.user_id):
            raise Invalid(None, CommunicationCode.BLOCKED.description, CommunicationCode.BLOCKED)
        if not reachable(await repo.get_user(session, other.user_id)):
            raise Invalid(
                None,
                CommunicationCode.CANNOT_MESSAGE.description,
                CommunicationCode.CANNOT_MESSAGE,
            )
    await _charge(redis, actor)
    message = await _deliver(session, actor, conversation, participants, cleaned)
    return Sent(conversation, message)


async def mark_conversation_read(
    session: AsyncSession, *, actor: Actor, conversation_id: uuid.UUID
) -> Conversation:
    """Everything in the conversation counts as read by the caller now (`last_read_at`)."""
    conversation, _ = await _participant(session, actor, conversation_id)
    await repo.mark_read(session, conversation_id, actor.id, utcnow())
    return conversation


async def delete_message(session: AsyncSession, *, actor: Actor, message_id: uuid.UUID) -> Message:
    """Hide a message from the caller's side only (kept for the other side and moderation)."""
    message = await repo.message_visible_to(session, message_id, actor.id)
    if message is None:
        raise NotFound("Message")
    await repo.delete_message_for(session, message_id, actor.id)
    return message


async def remove_message(session: AsyncSession, *, actor: Actor, message_id: uuid.UUID) -> Message:
    """A moderator (`moderation.manage`) hides a message from both participants; the row stays
    for the record. Removing it again changes nothing."""
    require_permission(actor, Permission.MODERATION_MANAGE)
    message = await repo.get_message(session, message_id)
    if message is None:
        raise NotFound("Message")
    for participant in await repo.participants_of(session, message.conversation_id):
        await repo.delete_message_for(session, message_id, participant.user_id)
    return message


async def report_message(
    session: AsyncSession,
    *,
    actor: Actor,
    message_id: uuid.UUID,
    reason: str,
    details: str | None = None,
) -> ContentReport:
    """Report a message the caller can see (ALREADY_REPORTED the second time)."""
    message = await repo.message_visible_to(session, message_id, actor.id)
    if message is None:
        raise NotFound("Message")
    return await file_report(
        session,
        target_type=REPORT_TARGET,
        target_id=message.id,
        reporter_id=actor.id,
        reason=reason,
        details=details,
    )


async def block_user(session: AsyncSession, *, actor: Actor, user_id: uuid.UUID) -> User:
    """The caller receives no messages from `user_id` and cannot message them (idempotent)."""
    if user_id == actor.id:
        raise Invalid(
            "user_id",
            CommunicationCode.CANNOT_MESSAGE_SELF.description,
            CommunicationCode.CANNOT_MESSAGE_SELF,
        )
    user = await repo.get_user(session, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("User")
    await repo.block(session, actor.id, user_id)
    return user


async def unblock_user(session: AsyncSession, *, actor: Actor, user_id: uuid.UUID) -> User:
    """Lift the caller's block of `user_id` (idempotent; a block by the other side stays)."""
    user = await repo.get_user(session, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("User")
    await repo.unblock(session, actor.id, user_id)
    return user


# --- reads ------------------------------------------------------------------------------------


async def list_conversations(
    session: AsyncSession, *, actor: Actor, request: PageRequest, with_total: bool = False
) -> Page[Conversation]:
    """The caller's conversations with a message they can see, newest activity first."""
    return await repo.conversations_page(
        session, user_id=actor.id, request=request, with_total=with_total
    )


async def list_messages(
    session: AsyncSession,
    *,
    actor: Actor,
    conversation_id: uuid.UUID,
    request: PageRequest,
    with_total: bool = False,
) -> Page[Message]:
    """The messages of a conversation the caller takes part in, NEWEST FIRST, without those the
    caller deleted or sent before they deleted the conversation."""
    await _participant(session, actor, conversation_id)
    return await repo.messages_page(
        session,
        conversation_id=conversation_id,
        viewer_id=actor.id,
        request=request,
        with_total=with_total,
    )
