"""Root fields of notifications (notifications domain): read the caller, call one service or
loader, map the result. The rules are in `app.notifications.inbox`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

import strawberry

from app import live
from app.notifications import inbox
from app.notifications.service import NOTIFICATION_EVENT
from app.pagination import PageRequest
from app.security.permissions import Actor
from loaders import Loaders
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.live import live as live_stream
from schema.core.live import signed_in
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, selects_total_count
from schema.notifications.notifications import (
    MarkAllNotificationsReadInput,
    MarkAllNotificationsReadPayload,
    MarkNotificationsReadInput,
    MarkNotificationsReadPayload,
    Notification,
    NotificationFilter,
)


@strawberry.type
class Query:
    @strawberry.field(
        description="Your notifications, newest first (a folded burst counts as new when its "
        "latest notification arrived); expired ones are not listed."
    )
    async def notifications(
        self,
        info: Info,
        filter: NotificationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Notification]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        args = filter.arguments("filter.") if filter is not None else {}
        async with info.context.db.session() as session:
            page = await inbox.list_notifications(
                session,
                actor=actor,
                unread_only=bool(args.get("unread_only")),
                types=args.get("types") or (),
                category=args.get("category"),
                request=request,
                with_total=selects_total_count(info),
            )
        info.context.loaders.notifications.prime_notifications(page.items)
        return Connection[Notification].from_page(page, Notification.from_model)

    @strawberry.field(description="How many of your notifications are unread (expired ones not).")
    async def unread_notification_count(self, info: Info) -> int:
        actor = await require_actor(info)
        async with info.context.db.session() as session:
            return await inbox.unread_count(session, actor=actor)


@strawberry.type
class Mutation:
    @mutation(
        description="Mark these notifications of yours read (isRead, readAt now). Ids that are "
        "not yours are ignored like unknown ones; already read ones stay as they were. At most "
        "100 ids (TOO_MANY)."
    )
    async def mark_notifications_read(
        self, info: Info, input: MarkNotificationsReadInput, tx: Tx
    ) -> MarkNotificationsReadPayload:
        rows = await inbox.mark_read(tx.session, actor=tx.actor, **input.arguments())
        return MarkNotificationsReadPayload(
            notifications=[Notification.from_model(row) for row in rows],
            unread_count=await inbox.unread_count(tx.session, actor=tx.actor),
        )

    @mutation(description="Mark every unread notification of yours read; how many changed.")
    async def mark_all_notifications_read(
        self, info: Info, input: MarkAllNotificationsReadInput, tx: Tx
    ) -> MarkAllNotificationsReadPayload:
        return MarkAllNotificationsReadPayload(
            count=await inbox.mark_all_read(tx.session, actor=tx.actor)
        )


async def _received(
    event: live.LiveEvent, loaders: Loaders, actor: Actor | None
) -> Notification | None:
    """The notification of a `notification` event on the caller's channel (other event types
    on that channel — messages — are skipped), while it is the caller's."""
    if actor is None or event.data.get("type") != NOTIFICATION_EVENT:
        return None
    row = await loaders.notifications.notifications.load(
        uuid.UUID(str(event.data["notification_id"]))
    )
    if row is None or row.recipient_id != actor.id:
        return None
    return Notification.from_model(row)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Your notifications as they arrive: a new one, or a folded one whose count "
        "and title changed (same id: replace it in your list). Missed events are not replayed: "
        "catch up with `notifications` and `unreadNotificationCount` after reconnecting."
    )
    async def notification_received(self, info: Info) -> AsyncGenerator[Notification, None]:
        actor = await require_actor(info)
        async for value in live_stream(
            info, live.user_channel(actor.id), authorize=signed_in, build=_received
        ):
            yield value
