"""Per-request batch loaders of messaging (communication domain). Keys that depend on a viewer
carry the viewer's id (`(conversation id, user id)`), so the loaders hold no viewer state and one
set can serve every subscriber of a live event."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader

from app.communication.models import Conversation, ConversationParticipant, Message
from app.communication.repo import messaging as repo
from app.db import Database
from loaders.batch import batch_loader

Pair = tuple[uuid.UUID, uuid.UUID]


class MessagingLoaders:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.conversations: DataLoader[uuid.UUID, Conversation | None] = batch_loader(
            db, repo.conversations_by_ids
        )
        self.messages: DataLoader[uuid.UUID, Message | None] = batch_loader(
            db, repo.messages_by_ids
        )
        # keyed by conversation id: its participants (read state, own deletion), oldest first
        self.participants: DataLoader[uuid.UUID, list[ConversationParticipant]] = batch_loader(
            db, repo.participants_by_conversation_ids
        )
        # keyed by (conversation id, viewer id): the newest message the viewer can see
        self.last_message: DataLoader[Pair, Message | None] = batch_loader(
            db, repo.last_messages_by_pairs
        )
        # keyed by (conversation id, viewer id): messages of others not read yet
        self.unread_count: DataLoader[Pair, int] = batch_loader(db, repo.unread_counts_by_pairs)
        # keyed by (message id, user id): whether the user deleted the message on their side
        self.deleted_by: DataLoader[Pair, bool] = batch_loader(db, repo.deletions_by_pairs)
        # keyed by (user id, user id): whether either blocked the other
        self.blocked: DataLoader[Pair, bool] = batch_loader(db, repo.blocks_by_pairs)

    def prime_conversations(self, rows: list[Conversation]) -> None:
        for row in rows:
            self.conversations.prime(row.id, row)

    def prime_messages(self, rows: list[Message]) -> None:
        for row in rows:
            self.messages.prime(row.id, row)
