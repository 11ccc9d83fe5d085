"""The `orderStatusChanged(orderId)` subscription: a checkout page sees PAID (or FAILED, or a
refund) without polling. Events come from app/commerce (orders.py, refunds.py) on
`live.order_channel(order id)` after their transaction commits."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from app.commerce.orders import may_read
from app.errors import NotFound, Unauthenticated
from app.live import LiveEvent, order_channel
from app.security.permissions import Actor
from loaders import Loaders
from schema.commerce.orders import Order
from schema.core.context import Info
from schema.core.live import live
from schema.core.relay import node_uuid


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The order each time its payment settles: PAID or FAILED, and later "
        "REFUNDED or PARTIALLY_REFUNDED. Its buyer (and admins) only: NOT_FOUND for anyone "
        "else. Missed events are not replayed: read `order` once after subscribing."
    )
    async def order_status_changed(
        self, info: Info, order_id: strawberry.ID
    ) -> AsyncGenerator[Order, None]:
        key = node_uuid(order_id, "Order")

        async def authorize(actor: Actor | None, loaders: Loaders) -> None:
            if actor is None:
                raise Unauthenticated()
            row = await loaders.commerce.orders.load(key)
            if row is None or not may_read(actor, row):
                raise NotFound("Order")

        async def build(event: LiveEvent, loaders: Loaders, actor: Actor | None) -> Order | None:
            if event.data.get("type") != "order_status":
                return None
            row = await loaders.commerce.orders.load(key)
            return Order.from_model(row) if row is not None else None

        async for value in live(info, order_channel(key), authorize=authorize, build=build):
            yield value
