"""Root fields of messaging (communication domain): read the caller, call one service or loader,
map the result. The rules are in `app.communication.messaging`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

import strawberry

from app import live
from app.communication import messaging as service
from app.pagination import PageRequest
from app.security.permissions import Actor
from loaders import Loaders
from schema.accounts.types import User
from schema.communication.messaging import (
    MESSAGING_RULE,
    BlockUserInput,
    BlockUserPayload,
    Conversation,
    DeleteMessageInput,
    DeleteMessagePayload,
    MarkConversationReadInput,
    MarkConversationReadPayload,
    Message,
    ReportMessageInput,
    ReportMessagePayload,
    SendMessageInput,
    SendMessagePayload,
    StartConversationInput,
    StartConversationPayload,
    UnblockUserInput,
    UnblockUserPayload,
    may_see_message,
    participant_row,
)
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.live import live as live_stream
from schema.core.live import signed_in
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, selects_total_count


@strawberry.type
class Query:
    @strawberry.field(
        description="Your conversations that have a message you can see, newest activity first."
    )
    async def conversations(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Conversation]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.list_conversations(
                session, actor=actor, request=request, with_total=selects_total_count(info)
            )
        info.context.loaders.messaging.prime_conversations(page.items)
        return Connection[Conversation].from_page(page, Conversation.from_model)

    @strawberry.field(
        description="A conversation you take part in; null (with NOT_FOUND) for anyone else."
    )
    async def conversation(self, info: Info, id: strawberry.ID) -> Conversation | None:
        await require_actor(info)
        return await Conversation.lookup(info, id)


@strawberry.type
class Mutation:
    @mutation(
        description="Write to someone: reuses the one conversation you two have, or starts it "
        "(also when both of you start at once). " + MESSAGING_RULE + " At most 30 messages a "
        "minute (RATE_LIMITED)."
    )
    async def start_conversation(
        self, info: Info, input: StartConversationInput, tx: Tx
    ) -> StartConversationPayload:
        sent = await service.start_conversation(
            tx.session, info.context.redis, actor=tx.actor, **input.arguments()
        )
        return StartConversationPayload(
            conversation=Conversation.from_model(sent.conversation),
            message=Message.from_model(sent.message),
        )

    @mutation(
        description="Reply in a conversation you take part in (NOT_FOUND otherwise): BLOCKED "
        "when either of you blocked the other, CANNOT_MESSAGE when the other side is "
        "deactivated; at most 30 messages a minute (RATE_LIMITED). The others get a NEW_MESSAGE "
        "notification and a `messageReceived` event."
    )
    async def send_message(self, info: Info, input: SendMessageInput, tx: Tx) -> SendMessagePayload:
        sent = await service.send_message(
            tx.session, info.context.redis, actor=tx.actor, **input.arguments()
        )
        return SendMessagePayload(message=Message.from_model(sent.message))

    @mutation(
        description="Mark everything in the conversation read by you now: your unreadCount "
        "drops to 0 and the others see it as readByOthersAt."
    )
    async def mark_conversation_read(
        self, info: Info, input: MarkConversationReadInput, tx: Tx
    ) -> MarkConversationReadPayload:
        row = await service.mark_conversation_read(tx.session, actor=tx.actor, **input.arguments())
        return MarkConversationReadPayload(conversation=Conversation.from_model(row))

    @mutation(
        description="Hide a message from your side only; the other participant still sees it "
        "and it is kept for moderation."
    )
    async def delete_message(
        self, info: Info, input: DeleteMessageInput, tx: Tx
    ) -> DeleteMessagePayload:
        row = await service.delete_message(tx.session, actor=tx.actor, **input.arguments())
        return DeleteMessagePayload(deleted_message_id=strawberry.ID(_gid("Message", row.id)))

    @mutation(
        description="Block a user: neither of you can message the other until you unblock "
        "(BLOCKED); their new messages no longer reach you. Blocking again changes nothing."
    )
    async def block_user(self, info: Info, input: BlockUserInput, tx: Tx) -> BlockUserPayload:
        row = await service.block_user(tx.session, actor=tx.actor, **input.arguments())
        return BlockUserPayload(user=User.from_model(row))

    @mutation(description="Lift your block of a user (a block by them stays).")
    async def unblock_user(self, info: Info, input: UnblockUserInput, tx: Tx) -> UnblockUserPayload:
        row = await service.unblock_user(tx.session, actor=tx.actor, **input.arguments())
        return UnblockUserPayload(user=User.from_model(row))

    @mutation(
        description="Report a message you can see to the moderators (once: ALREADY_REPORTED)."
    )
    async def report_message(
        self, info: Info, input: ReportMessageInput, tx: Tx
    ) -> ReportMessagePayload:
        await service.report_message(tx.session, actor=tx.actor, **input.arguments())
        return ReportMessagePayload(reported=True)


def _gid(type_name: str, id_: uuid.UUID) -> str:
    return str(strawberry.relay.GlobalID(type_name, str(id_)))


async def _received(event: live.LiveEvent, loaders: Loaders, actor: Actor | None) -> Message | None:
    """The message of a `message.received` event, while the caller takes part in its
    conversation, can see it and neither side blocked the other; else skipped."""
    if actor is None or event.data.get("type") != service.MESSAGE_RECEIVED:
        return None
    row = await loaders.messaging.messages.load(uuid.UUID(str(event.data["message_id"])))
    if row is None or row.sender_id == actor.id:
        return None
    if await participant_row(loaders, row.conversation_id, actor.id) is None:
        return None
    if not await may_see_message(loaders, row, actor.id):
        return None
    if row.sender_id is not None and await loaders.messaging.blocked.load(
        (actor.id, row.sender_id)
    ):
        return None
    return Message.from_model(row)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every new message in any of your conversations, sent by someone else (your "
        "own sends are not echoed). Checked per event: you still take part in the conversation, "
        "neither of you blocked the other, and your session is still valid."
    )
    async def message_received(self, info: Info) -> AsyncGenerator[Message, None]:
        actor = await require_actor(info)
        async for value in live_stream(
            info, live.user_channel(actor.id), authorize=signed_in, build=_received
        ):
            yield value
