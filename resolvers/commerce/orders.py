"""Order root fields: createOrder (checkout), myOrders and order(id)."""

from __future__ import annotations

from typing import Any

import strawberry

from app.commerce import orders as service
from app.commerce.models import PaymentProvider
from app.errors import NotFound, Unauthenticated
from app.integrations.payments import make_gateway
from app.pagination import PageRequest
from schema.catalog.access import viewer_of
from schema.commerce.orders import CreateOrderInput, CreateOrderPayload, Order
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import graphql_error, run_mutation
from schema.core.relay import Connection, selects_total_count

IDEMPOTENCY_HEADER = "idempotency-key"


@strawberry.type
class Query:
    @strawberry.field(description="Your orders, most recent first.")
    async def my_orders(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Order]:
        viewer = await viewer_of(info)
        if viewer is None:
            raise graphql_error(Unauthenticated())
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.list_orders(
                session, user_id=viewer.id, request=request, with_total=selects_total_count(info)
            )
            items = await service.order_items(session, [o.id for o in page.items])
        return Connection[Order].from_page(page, lambda row: Order.from_model(row, items[row.id]))

    @strawberry.field(
        description="An order by id: yours, or any for admins; NOT_FOUND for anyone else."
    )
    async def order(self, info: Info, id: strawberry.ID) -> Order | None:
        if await viewer_of(info) is None:
            raise graphql_error(Unauthenticated())
        [found] = await Order.resolve_nodes(info=info, node_ids=[id])
        if found is None:
            raise graphql_error(NotFound("Order"))
        return found


def _idempotency_key(info: Info, input: CreateOrderInput) -> str | None:
    if input.idempotency_key is not None:
        return input.idempotency_key
    return info.context.request.headers.get(IDEMPOTENCY_HEADER)


async def _create_order(info: Info, input: CreateOrderInput) -> dict[str, Any]:
    actor = await require_actor(info)
    ctx = info.context
    key = service.check_idempotency_key(_idempotency_key(info, input))
    body = {"expectedTotalMinor": input.expected_total_minor}
    gateway = make_gateway(ctx.settings, redis=ctx.redis)
    async with ctx.db.transaction() as session:
        result = await service.create_order(
            session,
            gateway,
            user_id=actor.id,
            idempotency_key=key,
            request_hash=service.request_hash_of(body),
            provider=PaymentProvider(ctx.settings.payments_backend),
            expected_total_minor=input.expected_total_minor,
        )
    return {
        "order": Order.from_model(result.order, result.items),
        "client_secret": result.client_secret,
    }


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Check out your cart: an order with the cart's lines and prices, the coupon "
        "reserved, and a payment to confirm with `clientSecret` (a free order is paid at once). "
        "Idempotent per key (input `idempotencyKey` or the Idempotency-Key header)."
    )
    async def create_order(self, info: Info, input: CreateOrderInput) -> CreateOrderPayload:
        return await run_mutation(CreateOrderPayload, _create_order(info, input))
