"""GraphQL types of orders: the order (node) with its snapshotted lines, and checkout input/payload.

An `Order` is seen by its buyer and by admins only; anyone else gets null (`order(id)`, `node`)
or NOT_FOUND. Amounts are integers of minor units beside the ISO 4217 `currency`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import strawberry
from strawberry import relay

from app.catalog.models import PricingTier
from app.commerce import invoices
from app.commerce import orders as service
from app.commerce.models import Order as OrderModel
from app.commerce.models import OrderItem as OrderItemModel
from app.commerce.models import OrderStatus
from schema.catalog.access import viewer_of, visible_courses
from schema.catalog.types import Course
from schema.core.context import Info
from schema.core.mutation import UserError
from schema.core.relay import NOWHERE, decode_uuid

OrderStatusEnum = strawberry.enum(
    OrderStatus,
    name="OrderStatus",
    description="pending → requires_payment → paid | failed; paid orders may be (partially) "
    "refunded later.",
)


@strawberry.type(description="One course of an order, with the title and prices of the purchase.")
class OrderItem:
    title: str = strawberry.field(description="The course title when it was bought.")
    tier: PricingTier
    unit_price_minor: int
    discount_minor: int = strawberry.field(description="This line's share of the order discount.")
    total_minor: int
    refunded_minor: int
    model: strawberry.Private[OrderItemModel]

    @classmethod
    def from_model(cls, row: OrderItemModel) -> OrderItem:
        return cls(
            title=row.title,
            tier=PricingTier(row.tier),
            unit_price_minor=row.unit_price_minor,
            discount_minor=row.discount_minor,
            total_minor=row.total_minor,
            refunded_minor=row.refunded_minor,
            model=row,
        )

    @strawberry.field(description="The course, while it exists and is visible to you.")
    async def course(self, info: Info) -> Course | None:
        if self.model.course_id is None:
            return None
        found = await info.context.loaders.catalog.courses.load(self.model.course_id)
        visible = (await visible_courses(info, [found]))[0]
        return Course.from_model(visible) if visible is not None else None


@strawberry.type(description="An order: visible to its buyer and to admins only.")
class Order(relay.Node):
    id: relay.NodeID[str]
    number: int = strawberry.field(description="The receipt / invoice number.")
    status: OrderStatusEnum  # type: ignore[valid-type]
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    refunded_minor: int
    currency: str
    created_at: datetime
    paid_at: datetime | None
    items: list[OrderItem]
    model: strawberry.Private[OrderModel]

    @classmethod
    def from_model(cls, row: OrderModel, items: Sequence[OrderItemModel]) -> Order:
        return cls(
            id=str(row.id),
            number=row.number,
            status=OrderStatus(row.status),
            subtotal_minor=row.subtotal_minor,
            discount_minor=row.discount_minor,
            tax_minor=row.tax_minor,
            total_minor=row.total_minor,
            refunded_minor=row.refunded_minor,
            currency=row.currency,
            created_at=row.created_at,
            paid_at=row.paid_at,
            items=[OrderItem.from_model(i) for i in items],
            model=row,
        )

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

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Order | None]:
        ids = [decode_uuid(i) or NOWHERE for i in node_ids]
        viewer = await viewer_of(info)
        async with info.context.db.session() as session:
            rows = await service.orders_by_ids(session, ids)
            readable = [r for r in rows if r is not None and service.may_read(viewer, r)]
            items = await service.order_items(session, [r.id for r in readable])
        return [cls.from_model(r, items[r.id]) if r in readable else None for r in rows]

    @classmethod
    async def page_of(cls, info: Info, rows: Sequence[OrderModel]) -> list[Order]:
        async with info.context.db.session() as session:
            items = await service.order_items(session, [r.id for r in rows])
        return [cls.from_model(r, items[r.id]) for r in rows]


@strawberry.input(description="Check out your cart.")
class CreateOrderInput:
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Your unique key for this checkout (else the Idempotency-Key header). A "
        "replay with the same key and input returns the same order; other input is a CONFLICT.",
    )
    expected_total_minor: int | None = strawberry.field(
        default=None,
        description="The total you showed the buyer; a different cart total is TOTAL_CHANGED.",
    )


@strawberry.type
class CreateOrderPayload:
    order: Order | None = None
    client_secret: str | None = strawberry.field(
        default=None,
        description="The PaymentIntent's client secret to confirm the payment with (null for a "
        "free order, which is paid at once).",
    )
    errors: list[UserError]
