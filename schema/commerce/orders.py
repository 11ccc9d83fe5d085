"""Orders: the order (node) with its snapshotted lines, and checkout's input and payload.

An `Order` is seen by its buyer and by admins only; anyone else gets null with NOT_FOUND
(`order(id)`, `node`). Every amount is a `Money` in the order's currency.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from app.catalog.models import PricingTier
from app.commerce import invoices
from app.commerce import orders as service
from app.commerce.models import Order as OrderModel
from app.commerce.models import OrderItem as OrderItemModel
from app.commerce.models import OrderStatus
from schema.catalog.access import visible_courses
from schema.catalog.types import Course
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input
from schema.core.money import Money, MoneyInput
from schema.core.mutation import Payload
from schema.core.relay import ModelNode

IDEMPOTENCY_HEADER = "idempotency-key"

OrderStatusEnum = strawberry.enum(
    OrderStatus,
    name="OrderStatus",
    description="pending → requires_payment → paid | failed; paid orders may be (partially) "
    "refunded later.",
)


async def course_of(info: Info, course_id: uuid.UUID | None) -> Course | None:
    """The course with this id while it exists and the viewer may see it."""
    if course_id is None:
        return None
    found = await info.context.loaders.catalog.courses.load(course_id)
    visible = (await visible_courses(info, [found]))[0]
    return Course.from_model(visible) if visible is not None else None


@strawberry.type(description="One course of an order, with the title and prices of the purchase.")
class OrderItem:
    title: str = strawberry.field(description="The course title when it was bought.")
    tier: PricingTier
    unit_price: Money = strawberry.field(description="The tier's price when it was bought.")
    discount: Money = strawberry.field(description="This line's share of the order discount.")
    total: Money = strawberry.field(description="What this line cost: unit price - discount.")
    refunded: Money = strawberry.field(description="What was given back on this line.")
    model: strawberry.Private[OrderItemModel]

    @classmethod
    def from_model(cls, row: OrderItemModel, currency: str) -> OrderItem:
        return cls(
            title=row.title,
            tier=PricingTier(row.tier),
            unit_price=Money.of(row.unit_price_minor, currency),
            discount=Money.of(row.discount_minor, currency),
            total=Money.of(row.total_minor, currency),
            refunded=Money.of(row.refunded_minor, currency),
            model=row,
        )

    @strawberry.field(description="The course, while it exists and is visible to you.")
    async def course(self, info: Info) -> Course | None:
        return await course_of(info, self.model.course_id)


@strawberry.type(description="An order: visible to its buyer and to admins only.")
class Order(ModelNode):
    id: relay.NodeID[str]
    number: int = strawberry.field(description="The receipt / invoice number.")
    status: OrderStatusEnum  # type: ignore[valid-type]
    subtotal: Money = strawberry.field(description="The lines' unit prices added up.")
    discount: Money = strawberry.field(description="What the coupon took off.")
    tax: Money
    total: Money = strawberry.field(description="subtotal - discount + tax: what was charged.")
    refunded: Money = strawberry.field(description="What was given back so far.")
    created_at: datetime
    paid_at: datetime | None
    model: strawberry.Private[OrderModel]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[OrderModel | None]:
        return await info.context.loaders.commerce.orders.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[OrderModel | None]
    ) -> Sequence[OrderModel | None]:
        viewer = await viewer_of(info)
        return [row if row is not None and service.may_read(viewer, row) else None for row in rows]

    @classmethod
    def from_model(cls, row: OrderModel) -> Self:
        currency = row.currency
        return cls(
            id=str(row.id),
            number=row.number,
            status=OrderStatus(row.status),
            subtotal=Money.of(row.subtotal_minor, currency),
            discount=Money.of(row.discount_minor, currency),
            tax=Money.of(row.tax_minor, currency),
            total=Money.of(row.total_minor, currency),
            refunded=Money.of(row.refunded_minor, currency),
            created_at=row.created_at,
            paid_at=row.paid_at,
            model=row,
        )

    @strawberry.field(description="The courses bought, in the order they were added to the cart.")
    async def items(self, info: Info) -> list[OrderItem]:
        rows = await info.context.loaders.commerce.order_items.load(self.model.id)
        return [OrderItem.from_model(row, self.model.currency) for row in rows]

    @strawberry.field(
        description="A signed, expiring link to the PDF invoice of a paid order (null before "
        "payment)."
    )
    def invoice_url(self, info: Info) -> str | None:
        if self.model.status not in invoices.RECEIPT_STATUSES:
            return None
        return info.context.storage.download_url(
            invoices.invoice_key(self.model.id), filename=invoices.invoice_filename(self.model)
        )


@strawberry.input(description="Check out your cart.")
class CreateOrderInput(Input):
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Your unique key for this checkout (else the Idempotency-Key header). A "
        "replay with the same key and input returns the same order (and resumes its payment "
        "after a PAYMENT_PROVIDER_ERROR); other input, or a cart holding courses again, is a "
        "CONFLICT.",
    )
    expected_total: MoneyInput | None = strawberry.field(
        default=None,
        description="The total you showed the buyer: a different cart total is TOTAL_CHANGED, "
        "another currency CURRENCY_MISMATCH.",
    )


def idempotency_key(info: Info, input: CreateOrderInput) -> str | None:
    """The input's key, else the request's Idempotency-Key header."""
    if input.idempotency_key is not None:
        return input.idempotency_key
    return info.context.request.headers.get(IDEMPOTENCY_HEADER)


@strawberry.type
class CreateOrderPayload(Payload):
    order: Order | None = None
    client_secret: str | None = strawberry.field(
        default=None,
        description="The PaymentIntent's client secret to confirm the payment with (null for a "
        "free order, which is paid at once).",
    )
