"""Order root fields: myOrders, order(id), createOrder (checkout)."""

from __future__ import annotations

import strawberry

from app.commerce import orders as service
from app.pagination import PageRequest
from schema.commerce.orders import CreateOrderInput, CreateOrderPayload, Order, idempotency_key
from schema.commerce.payments import payment_gateway, payment_provider
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import mutation
from schema.core.relay import Connection, selects_total_count


@strawberry.type
class Query:
    @strawberry.field(description="Your orders, most recent first.")
    async def my_orders(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Order]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.orders_of_user(
                session, user_id=actor.id, request=request, with_total=selects_total_count(info)
            )
        return Connection[Order].from_page(page, Order.from_model)

    @strawberry.field(
        description="An order by id: yours, or any for admins; null with NOT_FOUND for anyone else."
    )
    async def order(self, info: Info, id: strawberry.ID) -> Order | None:
        await require_actor(info)
        return await Order.lookup(info, id)


@strawberry.type
class Mutation:
    @mutation(
        description="Check out your cart: an order with the cart's lines and prices, the coupon "
        "reserved, and a payment to confirm with `clientSecret` (a free order is paid at once). "
        "Idempotent per key (input `idempotencyKey` or the Idempotency-Key header); the key "
        "used with another input or another cart is CONFLICT. A course you own is "
        "ALREADY_OWNED, one in an unpaid order of yours ORDER_PENDING. When the payment "
        "provider fails (PAYMENT_PROVIDER_ERROR) the order is kept: retry with the same key."
    )
    async def create_order(self, info: Info, input: CreateOrderInput) -> CreateOrderPayload:
        # no `tx`: checkout commits the order before it calls the payment provider
        result = await service.create_order(
            info.context.db,
            payment_gateway(info),
            user_id=(await require_actor(info)).id,
            provider=payment_provider(info),
            **input.arguments() | {"idempotency_key": idempotency_key(info, input)},
        )
        return CreateOrderPayload(
            order=Order.from_model(result.order), client_secret=result.client_secret
        )
