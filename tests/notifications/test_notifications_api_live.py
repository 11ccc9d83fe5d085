"""notificationReceived: the caller's new and folded notifications arrive live; other events on
the user's channel (messages) and other users' notifications do not."""

from __future__ import annotations

import uuid
from typing import Any

from redis.asyncio import Redis

from app import live
from app.accounts.models import User
from app.db import Database
from app.notifications.models import NotificationType
from app.notifications.service import notify
from app.security.tokens import KeyRing
from app.settings import Settings
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient
from tests.support.live import live_server, subscribe

SUBSCRIPTION = "subscription { notificationReceived { id type title count isRead } }"


async def deliver(database: Database, redis: Redis, user: User, **kw: Any) -> uuid.UUID:
    """notify() in a committed transaction, its live events published as a mutation would."""
    async with database.transaction() as session:
        notification_id = await notify(session, recipient_id=user.id, **kw)
        await live.publish(session, live.user_channel(user.id), {"type": "message"})
        pending = live.take_pending(session)
    await live.flush(database, redis, pending)
    return notification_id


def message(conversation: uuid.UUID) -> dict[str, Any]:
    return {
        "type": NotificationType.NEW_MESSAGE,
        "title": "New message from Bob",
        "body": "hi",
        "metadata": {"conversation_id": str(conversation)},
    }


async def test_your_new_and_folded_notifications_arrive_live_and_nothing_else(
    client: GraphQLClient,
    database: Database,
    redis_client: Redis,
    settings: Settings,
    keyring: KeyRing,
) -> None:
    ada, bob = await person(database), await person(database)
    conversation = uuid.uuid4()
    async with (
        live_server(settings, keyring) as server,
        subscribe(server, SUBSCRIPTION, token=token_for(client, ada)) as mine,
        subscribe(server, SUBSCRIPTION, token=token_for(client, bob)) as theirs,
    ):
        first = await deliver(database, redis_client, ada, **message(conversation))
        event = await mine.next()
        assert event["notificationReceived"] == {
            "id": gid("Notification", first),
            "type": "NEW_MESSAGE",
            "title": "New message from Bob",
            "count": 1,
            "isRead": False,
        }
        again = await deliver(database, redis_client, ada, **message(conversation))
        assert again == first
        folded = (await mine.next())["notificationReceived"]
        assert folded["id"] == gid("Notification", first)
        assert folded["count"] == 2
        assert folded["title"] == "2 new messages from Bob"
        await mine.nothing()  # the {"type": "message"} events were skipped
        await theirs.nothing()


async def test_anonymous_subscribers_are_refused(
    settings: Settings, keyring: KeyRing, database: Database
) -> None:
    async with live_server(settings, keyring) as server, subscribe(server, SUBSCRIPTION) as sub:
        outcome = await sub.result()
    assert outcome["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
