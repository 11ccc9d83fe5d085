"""`orderStatusChanged`: a checkout page subscribed to its order sees PAID the moment the
provider's webhook is processed; nobody but the buyer may subscribe."""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy import select

from app import live
from app.db import Database
from app.integrations.payments_local import LocalGateway
from app.outbox import OutboxEvent
from app.security.tokens import KeyRing
from app.settings import Settings
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient
from tests.support.live import live_server, subscribe
from tests.support.orders import pay, pending_order

QUERY = "subscription($id: ID!) { orderStatusChanged(orderId: $id) { id status } }"


async def _flush_live_events(database: Database, redis: Redis) -> None:
    """Hand on the live events the worker's transaction wrote (the outbox relay's job)."""
    async with database.session() as session:
        ids = list(
            await session.scalars(
                select(OutboxEvent.id).where(
                    OutboxEvent.topic == live.LIVE_TOPIC, OutboxEvent.dispatched_at.is_(None)
                )
            )
        )
    await live.flush(database, redis, ids)


async def test_the_buyer_sees_paid_without_polling(
    client: GraphQLClient,
    database: Database,
    redis_client: Redis,
    gateway: LocalGateway,
    settings: Settings,
    keyring: KeyRing,
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    await _flush_live_events(database, redis_client)  # REQUIRES_PAYMENT, before subscribing
    order_id = gid("Order", order.id)
    async with (
        live_server(settings, keyring) as server,
        subscribe(server, QUERY, {"id": order_id}, token=token_for(client, buyer)) as sub,
    ):
        await pay(database, gateway, order)
        await _flush_live_events(database, redis_client)
        assert await sub.next() == {"orderStatusChanged": {"id": order_id, "status": "PAID"}}


async def test_someone_else_cannot_follow_an_order(
    client: GraphQLClient,
    database: Database,
    gateway: LocalGateway,
    settings: Settings,
    keyring: KeyRing,
) -> None:
    order, _, _ = await pending_order(database, gateway)
    stranger = await person(database)
    async with (
        live_server(settings, keyring) as server,
        subscribe(
            server, QUERY, {"id": gid("Order", order.id)}, token=token_for(client, stranger)
        ) as sub,
    ):
        result = await sub.result()
        assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
