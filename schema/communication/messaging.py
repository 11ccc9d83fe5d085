"""GraphQL types of direct messages: conversations, messages, the report reasons, and the inputs
and payloads of the messaging mutations. A conversation and its messages exist only for its
participants (anyone else: NOT_FOUND / null); everything reads through the per-request loaders,
keyed by the viewer, so a page of conversations costs a fixed number of statements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from app.admin import moderation
from app.communication import messaging as service
from app.communication import models
from app.pagination import PageRequest
from loaders import Loaders
from schema.accounts.types import User
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload
from schema.core.relay import Connection, ModelNode, selects_total_count

strawberry.enum(
    moderation.ReportReason,
    name="ReportReason",
    description="Why content is reported to the moderators.",
)
ReportReason = moderation.ReportReason

MESSAGING_RULE = (
    "You may start a conversation with a teacher (owner or co-instructor) of a course you are "
    "enrolled in, with a student enrolled in a course you teach, and with anyone if either of "
    "you is an admin; never with yourself (CANNOT_MESSAGE_SELF), a deactivated user "
    "(CANNOT_MESSAGE) or when either of you blocked the other (BLOCKED); otherwise "
    "CANNOT_MESSAGE."
)


async def participant_row(
    loaders: Loaders, conversation_id: uuid.UUID, user_id: uuid.UUID
) -> models.ConversationParticipant | None:
    rows = await loaders.messaging.participants.load(conversation_id)
    return next((p for p in rows if p.user_id == user_id), None)


async def may_see_message(
    loaders: Loaders, row: models.Message | None, viewer_id: uuid.UUID | None
) -> bool:
    """A participant's message, unless they deleted it or the conversation since it was sent."""
    if row is None or viewer_id is None:
        return False
    me = await participant_row(loaders, row.conversation_id, viewer_id)
    if me is None or (me.deleted_at is not None and row.created_at <= me.deleted_at):
        return False
    return not await loaders.messaging.deleted_by.load((row.id, viewer_id))


@strawberry.type(description="A direct message.")
class Message(ModelNode):
    id: relay.NodeID[str]
    model: strawberry.Private[models.Message]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.Message | None]:
        return await info.context.loaders.messaging.messages.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.Message | None]
    ) -> Sequence[models.Message | None]:
        viewer = await viewer_of(info)
        viewer_id = viewer.id if viewer else None
        loaders = info.context.loaders
        return [row if await may_see_message(loaders, row, viewer_id) else None for row in rows]

    @classmethod
    def from_model(cls, row: models.Message) -> Self:
        return cls(id=str(row.id), model=row)

    @strawberry.field(description="Sanitised HTML (paragraphs, emphasis, lists, links, code).")
    def body(self) -> str:
        return self.model.body

    @strawberry.field(description="When it was sent.")
    def sent_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="The sender; null once their account is deleted.")
    async def sender(self, info: Info) -> User | None:
        if self.model.sender_id is None:
            return None
        row = await info.context.loaders.accounts.users.load(self.model.sender_id)
        return None if row is None or row.deleted_at is not None else User.from_model(row)

    @strawberry.field(description="Whether you sent it.")
    async def is_mine(self, info: Info) -> bool:
        viewer = await viewer_of(info)
        return viewer is not None and self.model.sender_id == viewer.id

    @strawberry.field(description="The conversation it belongs to.")
    async def conversation(self, info: Info) -> Conversation | None:
        row = await info.context.loaders.messaging.conversations.load(self.model.conversation_id)
        return None if row is None else Conversation.from_model(row)


@strawberry.type(description="One participant's read state.")
class ReadState:
    user: User | None = strawberry.field(description="Null once their account is deleted.")
    last_read_at: datetime | None = strawberry.field(
        description="When they last marked the conversation read (null: never)."
    )


@strawberry.type(
    description="A one-to-one conversation; only its participants see it. " + MESSAGING_RULE
)
class Conversation(ModelNode):
    id: relay.NodeID[str]
    model: strawberry.Private[models.Conversation]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.Conversation | None]:
        return await info.context.loaders.messaging.conversations.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.Conversation | None]
    ) -> Sequence[models.Conversation | None]:
        viewer = await viewer_of(info)
        if viewer is None:
            return [None for _ in rows]
        loaders = info.context.loaders
        shown: list[models.Conversation | None] = []
        for row in rows:
            ok = row is not None and await participant_row(loaders, row.id, viewer.id) is not None
            shown.append(row if ok else None)
        return shown

    @classmethod
    def from_model(cls, row: models.Conversation) -> Self:
        return cls(id=str(row.id), model=row)

    async def _viewer_id(self, info: Info) -> uuid.UUID:
        viewer = await viewer_of(info)
        assert viewer is not None  # only participants get a Conversation
        return viewer.id

    @strawberry.field(description="Set by whoever started it; may be null.")
    def subject(self) -> str | None:
        return self.model.subject

    @strawberry.field(description="When the newest message was sent (the list's order).")
    def last_message_at(self) -> datetime | None:
        return self.model.last_message_at

    @strawberry.field(description="Everyone in the conversation, you included.")
    async def participants(self, info: Info) -> list[User]:
        rows = await info.context.loaders.messaging.participants.load(self.model.id)
        users = await info.context.loaders.accounts.users.load_many([p.user_id for p in rows])
        return [User.from_model(u) for u in users if u is not None and u.deleted_at is None]

    @strawberry.field(description="The newest message you can see (not deleted on your side).")
    async def last_message(self, info: Info) -> Message | None:
        key = (self.model.id, await self._viewer_id(info))
        row = await info.context.loaders.messaging.last_message.load(key)
        return None if row is None else Message.from_model(row)

    @strawberry.field(description="Messages of the others sent after you last read it.")
    async def unread_count(self, info: Info) -> int:
        key = (self.model.id, await self._viewer_id(info))
        return await info.context.loaders.messaging.unread_count.load(key)

    @strawberry.field(
        description="Read receipt: the earliest time the other participants last marked the "
        "conversation read (null until every one of them has)."
    )
    async def read_by_others_at(self, info: Info) -> datetime | None:
        me = await self._viewer_id(info)
        rows = await info.context.loaders.messaging.participants.load(self.model.id)
        times = [p.last_read_at for p in rows if p.user_id != me]
        if not times or any(t is None for t in times):
            return None
        return min(t for t in times if t is not None)

    @strawberry.field(description="Each participant's read state.")
    async def read_states(self, info: Info) -> list[ReadState]:
        rows = await info.context.loaders.messaging.participants.load(self.model.id)
        users = await info.context.loaders.accounts.users.load_many([p.user_id for p in rows])
        return [
            ReadState(
                user=None if u is None or u.deleted_at is not None else User.from_model(u),
                last_read_at=p.last_read_at,
            )
            for p, u in zip(rows, users, strict=True)
        ]

    @strawberry.field(
        description="The messages you can see, NEWEST FIRST (page backwards in time with "
        "`after`); without those you deleted, or sent before you deleted the conversation."
    )
    async def messages(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Message]:
        viewer = await viewer_of(info)
        assert viewer is not None
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.list_messages(
                session,
                actor=viewer,
                conversation_id=self.model.id,
                request=request,
                with_total=selects_total_count(info),
            )
        info.context.loaders.messaging.prime_messages(page.items)
        return Connection[Message].from_page(page, Message.from_model)


# --- inputs and payloads ------------------------------------------------------------------------


@strawberry.input(description="Who to write to, and the first message. " + MESSAGING_RULE)
class StartConversationInput(Input):
    recipient_id: strawberry.ID = node_id("User")
    body: str = strawberry.field(description="HTML (sanitised), required, ≤ 10,000 characters.")
    subject: str | None = strawberry.field(
        default=None, description="Plain text, ≤ 255 characters; kept only on a new conversation."
    )


@strawberry.type
class StartConversationPayload(Payload):
    conversation: Conversation | None = None
    message: Message | None = None


@strawberry.input(description="A reply in a conversation you take part in.")
class SendMessageInput(Input):
    conversation_id: strawberry.ID = node_id("Conversation")
    body: str = strawberry.field(description="HTML (sanitised), required, ≤ 10,000 characters.")


@strawberry.type
class SendMessagePayload(Payload):
    message: Message | None = None


@strawberry.input(description="The conversation you have read.")
class MarkConversationReadInput(Input):
    conversation_id: strawberry.ID = node_id("Conversation")


@strawberry.type
class MarkConversationReadPayload(Payload):
    conversation: Conversation | None = None


@strawberry.input(description="A message to remove from your side of the conversation.")
class DeleteMessageInput(Input):
    message_id: strawberry.ID = node_id("Message")


@strawberry.type
class DeleteMessagePayload(Payload):
    deleted_message_id: strawberry.ID | None = strawberry.field(
        default=None, description="The message now hidden from you."
    )


@strawberry.input(description="The user to block.")
class BlockUserInput(Input):
    user_id: strawberry.ID = node_id("User")


@strawberry.type
class BlockUserPayload(Payload):
    user: User | None = None


@strawberry.input(description="The user to unblock.")
class UnblockUserInput(Input):
    user_id: strawberry.ID = node_id("User")


@strawberry.type
class UnblockUserPayload(Payload):
    user: User | None = None


@strawberry.input(description="A message you can see, and why it should be reviewed.")
class ReportMessageInput(Input):
    message_id: strawberry.ID = node_id("Message")
    reason: ReportReason
    details: str | None = strawberry.field(
        default=None, description="Plain text, ≤ 2,000 characters."
    )


@strawberry.type
class ReportMessagePayload(Payload):
    reported: bool = strawberry.field(
        default=False, description="True once the report is in the moderation queue."
    )
