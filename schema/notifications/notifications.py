"""GraphQL types of in-app notifications, with the inputs and payloads of marking them read.

A notification is visible to its recipient only (anyone else: NOT_FOUND). The enums of the
domain are registered here once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from app.notifications import models
from app.notifications.delivery import COUNT_KEY
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload
from schema.core.relay import ModelNode

strawberry.enum(
    models.NotificationType,
    name="NotificationType",
    description="What a notification is about.",
)
strawberry.enum(
    models.NotificationCategory,
    name="NotificationCategory",
    description="The broad kind of a notification, for filtering.",
)
strawberry.enum(
    models.NotificationPriority,
    name="NotificationPriority",
    description="How prominently to show a notification.",
)
strawberry.enum(
    models.DigestFrequency,
    name="EmailDigestFrequency",
    description="How e-mails of a notification type reach you: each at once, or folded into a "
    "daily or weekly digest.",
)

NotificationType = models.NotificationType
NotificationCategory = models.NotificationCategory
NotificationPriority = models.NotificationPriority
EmailDigestFrequency = models.DigestFrequency


@strawberry.type(
    description="Something the platform told you. Similar notifications in a burst (messages of "
    "one conversation, replies in one thread) are folded into one: `count` says how many."
)
class Notification(ModelNode):
    id: relay.NodeID[str]
    type: NotificationType
    category: NotificationCategory
    priority: NotificationPriority
    title: str
    body: str = strawberry.field(description="Plain text.")
    action_url: str | None = strawberry.field(description="Where to go to act on it.")
    is_read: bool
    read_at: datetime | None
    created_at: datetime = strawberry.field(
        description="When it (or, when folded, the latest notification it counts) arrived."
    )
    expires_at: datetime | None = strawberry.field(
        description="After this it is no longer listed or counted."
    )
    count: int = strawberry.field(description="How many notifications this one stands for (≥ 1).")
    model: strawberry.Private[models.Notification]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[models.Notification | None]:
        return await info.context.loaders.notifications.notifications.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[models.Notification | None]
    ) -> Sequence[models.Notification | None]:
        viewer = await viewer_of(info)
        return [
            row
            if row is not None and viewer is not None and row.recipient_id == viewer.id
            else None
            for row in rows
        ]

    @classmethod
    def from_model(cls, row: models.Notification) -> Self:
        return cls(
            id=str(row.id),
            type=models.NotificationType(row.type),
            category=models.NotificationCategory(row.category),
            priority=models.NotificationPriority(row.priority),
            title=row.title,
            body=row.body,
            action_url=row.action_url,
            is_read=row.is_read,
            read_at=row.read_at,
            created_at=row.created_at,
            expires_at=row.expires_at,
            count=int(row.metadata_.get(COUNT_KEY, 1)),
            model=row,
        )


@strawberry.input(description="Narrows your notifications; every given field must match.")
class NotificationFilter(Input):
    unread_only: bool = strawberry.field(default=False, description="Only the unread ones.")
    types: list[NotificationType] | None = strawberry.field(
        default=None, description="Only these types (empty or omitted: every type)."
    )
    category: NotificationCategory | None = None


@strawberry.input(description="Your notifications to mark read (at most 100).")
class MarkNotificationsReadInput(Input):
    ids: list[strawberry.ID] = node_id(
        "Notification",
        description="Ids that are not your notifications are ignored, like unknown ones.",
    )


@strawberry.type
class MarkNotificationsReadPayload(Payload):
    notifications: list[Notification] | None = strawberry.field(
        default=None,
        description="The notifications this marked read (those already read are not listed).",
    )
    unread_count: int | None = strawberry.field(
        default=None, description="Your unread count afterwards."
    )


@strawberry.input(description="No arguments: every unread notification of yours.")
class MarkAllNotificationsReadInput(Input):
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Echoed back; for clients that want one. Ignored otherwise."
    )


@strawberry.type
class MarkAllNotificationsReadPayload(Payload):
    count: int | None = strawberry.field(default=None, description="How many were marked read.")
