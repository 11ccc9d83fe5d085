"""SQL of direct messages: conversations, their participants, messages, per-side deletions and
blocks. Batch functions (`*_by_*`) return one value per key, in key order, in one statement."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.catalog.models import Course, CourseInstructor
from app.catalog.visibility import ACCESS_STATUSES
from app.communication.models import (
    Conversation,
    ConversationParticipant,
    Message,
    MessageDeletion,
    UserBlock,
)
from app.db import rows_with
from app.ids import new_id
from app.learning.models import Enrollment
from app.pagination import Page, PageRequest, SortKey, paginate

Pair = tuple[uuid.UUID, uuid.UUID]  # (conversation id, user id)


def direct_key(a: uuid.UUID, b: uuid.UUID) -> str:
    """The key of the one conversation between two users, whatever the order."""
    low, high = sorted((a, b))
    return f"{low}:{high}"


# --- users, blocks, the course relation -------------------------------------------------------


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    found: User | None = await session.scalar(select(User).where(User.id == user_id))
    return found


async def blocked_between(session: AsyncSession, a: uuid.UUID, b: uuid.UUID) -> bool:
    """Whether either user blocked the other."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    or_(
                        and_(UserBlock.blocker_id == a, UserBlock.blocked_id == b),
                        and_(UserBlock.blocker_id == b, UserBlock.blocked_id == a),
                    )
                )
            )
        )
    )


async def teacher_and_student(
    session: AsyncSession, teacher_id: uuid.UUID, student_id: uuid.UUID
) -> bool:
    """Whether `student_id` is enrolled with access in a course `teacher_id` teaches."""
    taught = (
        select(Course.id)
        .where(Course.instructor_id == teacher_id)
        .union(select(CourseInstructor.course_id).where(CourseInstructor.user_id == teacher_id))
    )
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Enrollment.student_id == student_id,
                    Enrollment.status.in_(ACCESS_STATUSES),
                    Enrollment.course_id.in_(taught.scalar_subquery()),
                )
            )
        )
    )


async def block(session: AsyncSession, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> None:
    await session.execute(
        insert(UserBlock)
        .values(blocker_id=blocker_id, blocked_id=blocked_id)
        .on_conflict_do_nothing(index_elements=[UserBlock.blocker_id, UserBlock.blocked_id])
    )


async def unblock(session: AsyncSession, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> None:
    await session.execute(
        delete(UserBlock).where(
            UserBlock.blocker_id == blocker_id, UserBlock.blocked_id == blocked_id
        )
    )


async def blocks_by_pairs(session: AsyncSession, pairs: Sequence[Pair]) -> list[bool]:
    """Per (a, b): whether either blocked the other."""
    wanted = list(pairs) + [(b, a) for a, b in pairs]
    rows = await session.execute(
        select(UserBlock.blocker_id, UserBlock.blocked_id).where(
            tuple_(UserBlock.blocker_id, UserBlock.blocked_id).in_(wanted)
        )
    )
    found = {(r[0], r[1]) for r in rows}
    return [(a, b) in found or (b, a) in found for a, b in pairs]


# --- conversations ----------------------------------------------------------------------------


async def get_or_create_direct(
    session: AsyncSession,
    *,
    starter_id: uuid.UUID,
    recipient_id: uuid.UUID,
    subject: str | None,
    now: datetime,
) -> Conversation:
    """The pair's conversation, created with both participants when missing. Two concurrent
    calls end with one conversation: the unique `direct_key` makes the second insert wait for
    the first transaction and then do nothing, and it reads the committed row."""
    key = direct_key(starter_id, recipient_id)
    await session.execute(
        insert(Conversation)
        .values(id=new_id(), direct_key=key, subject=subject, created_at=now)
        .on_conflict_do_nothing(index_elements=[Conversation.direct_key])
    )
    conversation = await session.scalar(
        select(Conversation)
        .where(Conversation.direct_key == key)
        .execution_options(populate_existing=True)
    )
    assert conversation is not None
    await session.execute(
        insert(ConversationParticipant)
        .values(
            [
                {"conversation_id": conversation.id, "user_id": starter_id, "created_at": now},
                {"conversation_id": conversation.id, "user_id": recipient_id, "created_at": now},
            ]
        )
        .on_conflict_do_nothing(
            index_elements=[
                ConversationParticipant.conversation_id,
                ConversationParticipant.user_id,
            ]
        )
    )
    return conversation


async def get_conversation(
    session: AsyncSession, conversation_id: uuid.UUID, *, lock: bool = False
) -> Conversation | None:
    stmt = select(Conversation).where(Conversation.id == conversation_id)
    if lock:
        stmt = stmt.with_for_update()
    found: Conversation | None = await session.scalar(stmt)
    return found


async def participants_of(
    session: AsyncSession, conversation_id: uuid.UUID
) -> list[ConversationParticipant]:
    rows = await session.scalars(
        select(ConversationParticipant)
        .where(ConversationParticipant.conversation_id == conversation_id)
        .order_by(ConversationParticipant.created_at, ConversationParticipant.user_id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def conversations_page(
    session: AsyncSession, *, user_id: uuid.UUID, request: PageRequest, with_total: bool = False
) -> Page[Conversation]:
    """The user's conversations with a message they can still see, newest activity first."""
    activity = func.coalesce(Conversation.last_message_at, Conversation.created_at)
    stmt = (
        select(Conversation)
        .join(
            ConversationParticipant,
            and_(
                ConversationParticipant.conversation_id == Conversation.id,
                ConversationParticipant.user_id == user_id,
            ),
        )
        .where(
            Conversation.last_message_at.is_not(None),
            or_(
                ConversationParticipant.deleted_at.is_(None),
                Conversation.last_message_at > ConversationParticipant.deleted_at,
            ),
        )
    )
    return await paginate(
        session,
        stmt,
        order_by=[SortKey(activity, descending=True)],
        tiebreaker=Conversation.id.expression,
        request=request,
        with_total=with_total,
    )


async def conversations_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Conversation | None]:
    rows = await rows_with(session, Conversation.id, ids)
    found = {r.id: r for r in rows}
    return [found.get(i) for i in ids]


async def participants_by_conversation_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[list[ConversationParticipant]]:
    rows = await session.scalars(
        select(ConversationParticipant)
        .where(ConversationParticipant.conversation_id.in_(ids))
        .order_by(ConversationParticipant.created_at, ConversationParticipant.user_id)
    )
    found: dict[uuid.UUID, list[ConversationParticipant]] = {i: [] for i in ids}
    for row in rows:
        found[row.conversation_id].append(row)
    return [found[i] for i in ids]


# --- messages ---------------------------------------------------------------------------------


def _visible_to(user_id: uuid.UUID) -> list[object]:
    """Conditions on Message joined with the viewer's ConversationParticipant row."""
    return [
        or_(
            ConversationParticipant.deleted_at.is_(None),
            Message.created_at > ConversationParticipant.deleted_at,
        ),
        ~exists().where(
            MessageDeletion.message_id == Message.id, MessageDeletion.user_id == user_id
        ),
    ]


def _with_viewer(user_id: uuid.UUID) -> object:
    return and_(
        ConversationParticipant.conversation_id == Message.conversation_id,
        ConversationParticipant.user_id == user_id,
    )


async def add_message(
    session: AsyncSession,
    *,
    conversation_id: uuid.UUID,
    sender_id: uuid.UUID,
    body: str,
    now: datetime,
) -> Message:
    message = Message(
        id=new_id(),
        conversation_id=conversation_id,
        sender_id=sender_id,
        body=body,
        attachments=[],
        created_at=now,
    )
    session.add(message)
    await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(
            last_message_at=func.greatest(func.coalesce(Conversation.last_message_at, now), now)
        )
    )
    await session.flush()
    return message


async def get_message(session: AsyncSession, message_id: uuid.UUID) -> Message | None:
    found: Message | None = await session.scalar(select(Message).where(Message.id == message_id))
    return found


async def message_visible_to(
    session: AsyncSession, message_id: uuid.UUID, user_id: uuid.UUID
) -> Message | None:
    """The message when `user_id` takes part in its conversation and has not deleted it."""
    found: Message | None = await session.scalar(
        select(Message)
        .join(ConversationParticipant, _with_viewer(user_id))  # type: ignore[arg-type]
        .where(Message.id == message_id, *_visible_to(user_id))  # type: ignore[arg-type]
    )
    return found


async def delete_message_for(
    session: AsyncSession, message_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    await session.execute(
        insert(MessageDeletion)
        .values(message_id=message_id, user_id=user_id)
        .on_conflict_do_nothing(
            index_elements=[MessageDeletion.message_id, MessageDeletion.user_id]
        )
    )


async def messages_page(
    session: AsyncSession,
    *,
    conversation_id: uuid.UUID,
    viewer_id: uuid.UUID,
    request: PageRequest,
    with_total: bool = False,
) -> Page[Message]:
    """The messages the viewer can see, newest first."""
    stmt = (
        select(Message)
        .join(ConversationParticipant, _with_viewer(viewer_id))  # type: ignore[arg-type]
        .where(Message.conversation_id == conversation_id, *_visible_to(viewer_id))  # type: ignore[arg-type]
    )
    return await paginate(
        session,
        stmt,
        order_by=[SortKey(Message.created_at.expression, descending=True)],
        tiebreaker=Message.id.expression,
        request=request,
        with_total=with_total,
    )


async def messages_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Message | None]:
    rows = await rows_with(session, Message.id, ids)
    found = {r.id: r for r in rows}
    return [found.get(i) for i in ids]


async def last_messages_by_pairs(
    session: AsyncSession, pairs: Sequence[Pair]
) -> list[Message | None]:
    """Per (conversation id, viewer id): the newest message the viewer can see."""
    stmt = (
        select(Message, ConversationParticipant.user_id)
        .join(
            ConversationParticipant,
            ConversationParticipant.conversation_id == Message.conversation_id,
        )
        .where(
            tuple_(ConversationParticipant.conversation_id, ConversationParticipant.user_id).in_(
                list(pairs)
            ),
            or_(
                ConversationParticipant.deleted_at.is_(None),
                Message.created_at > ConversationParticipant.deleted_at,
            ),
            ~exists().where(
                MessageDeletion.message_id == Message.id,
                MessageDeletion.user_id == ConversationParticipant.user_id,
            ),
        )
        .ext(distinct_on(Message.conversation_id, ConversationParticipant.user_id))
        .order_by(
            Message.conversation_id,
            ConversationParticipant.user_id,
            Message.created_at.desc(),
            Message.id.desc(),
        )
    )
    found = {(m.conversation_id, user_id): m for m, user_id in (await session.execute(stmt)).all()}
    return [found.get(p) for p in pairs]


async def unread_counts_by_pairs(session: AsyncSession, pairs: Sequence[Pair]) -> list[int]:
    """Per (conversation id, viewer id): messages of others the viewer can see, sent after the
    viewer last read (or deleted) the conversation."""
    seen = func.greatest(ConversationParticipant.last_read_at, ConversationParticipant.deleted_at)
    stmt = (
        select(Message.conversation_id, ConversationParticipant.user_id, func.count())
        .join(
            ConversationParticipant,
            ConversationParticipant.conversation_id == Message.conversation_id,
        )
        .where(
            tuple_(ConversationParticipant.conversation_id, ConversationParticipant.user_id).in_(
                list(pairs)
            ),
            or_(Message.sender_id.is_(None), Message.sender_id != ConversationParticipant.user_id),
            or_(seen.is_(None), Message.created_at > seen),
            ~exists().where(
                MessageDeletion.message_id == Message.id,
                MessageDeletion.user_id == ConversationParticipant.user_id,
            ),
        )
        .group_by(Message.conversation_id, ConversationParticipant.user_id)
    )
    found = {(c, u): int(n) for c, u, n in (await session.execute(stmt)).all()}
    return [found.get(p, 0) for p in pairs]


async def mark_read(
    session: AsyncSession, conversation_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> None:
    """The user has read everything up to now (the newest message they see is remembered)."""
    newest = await session.scalar(
        select(Message.id)
        .join(ConversationParticipant, _with_viewer(user_id))  # type: ignore[arg-type]
        .where(Message.conversation_id == conversation_id, *_visible_to(user_id))  # type: ignore[arg-type]
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    await session.execute(
        update(ConversationParticipant)
        .where(
            ConversationParticipant.conversation_id == conversation_id,
            ConversationParticipant.user_id == user_id,
        )
        .values(last_read_at=now, last_read_message_id=newest)
    )


async def deletions_by_pairs(session: AsyncSession, pairs: Sequence[Pair]) -> list[bool]:
    """Per (message id, user id): whether the user deleted the message on their side."""
    rows = await session.execute(
        select(MessageDeletion.message_id, MessageDeletion.user_id).where(
            tuple_(MessageDeletion.message_id, MessageDeletion.user_id).in_(list(pairs))
        )
    )
    found = {(r[0], r[1]) for r in rows}
    return [p in found for p in pairs]
