"""Refunds: the refund of an order (or of one of its courses), and the inputs and payload of
asking for one (the buyer, by the policy) or making one (admins, any amount up to what is left).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from app.commerce.models import Refund as RefundModel
from app.commerce.models import RefundStatus
from app.commerce.refunds import Refunded
from schema.catalog.types import Course
from schema.commerce.orders import Order, course_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.money import Money
from schema.core.mutation import Payload

RefundStatusEnum = strawberry.enum(
    RefundStatus, name="RefundStatus", description="pending until the provider confirms."
)


@strawberry.type(description="Money given back on an order (one row per refunded course).")
class Refund:
    id: strawberry.ID
    amount: Money
    status: RefundStatusEnum  # type: ignore[valid-type]
    reason: str | None
    created_at: datetime
    processed_at: datetime | None
    model: strawberry.Private[RefundModel]

    @classmethod
    def from_model(cls, row: RefundModel) -> Refund:
        return cls(
            id=strawberry.ID(str(row.id)),
            amount=Money.of(row.amount_minor, row.currency),
            status=RefundStatus(row.status),
            reason=row.reason,
            created_at=row.created_at,
            processed_at=row.processed_at,
            model=row,
        )

    @strawberry.field(description="The refunded order, while you may see it.")
    async def order(self, info: Info) -> Order | None:
        [found] = await Order.resolve_nodes(info=info, node_ids=[str(self.model.order_id)])
        return found

    @strawberry.field(
        description="The refunded course (null for a refund made at the provider on the whole "
        "order, or a course you may not see)."
    )
    async def course(self, info: Info) -> Course | None:
        if self.model.order_item_id is None:
            return None
        items = await info.context.loaders.commerce.order_items.load(self.model.order_id)
        item = next((i for i in items if i.id == self.model.order_item_id), None)
        return await course_of(info, item.course_id if item is not None else None)


@strawberry.input(description="Ask for a refund of one course of your order, or of all of it.")
class RequestRefundInput(Input):
    order_id: strawberry.ID = node_id("Order")
    course_id: strawberry.ID | None = node_id(
        "Course", default=None, description="The course to refund (default: every course)."
    )
    reason: str | None = None


@strawberry.input(
    description="Admins: refund an amount (default: everything left) of an order or one course."
)
class RefundOrderInput(Input):
    order_id: strawberry.ID = node_id("Order")
    amount: Decimal | None = strawberry.field(
        default=None,
        description="In major units of the order's currency (19.99); default: all that is left.",
    )
    course_id: strawberry.ID | None = node_id(
        "Course", default=None, description="The course to refund (default: the whole order)."
    )
    reason: str | None = None


@strawberry.type
class RefundPayload(Payload):
    refunds: list[Refund] = strawberry.field(default_factory=list)
    order: Order | None = strawberry.field(
        default=None, description="The order as the refund left it (status, refunded amount)."
    )

    @classmethod
    def of(cls, done: Refunded) -> RefundPayload:
        return cls(
            refunds=[Refund.from_model(r) for r in done.refunds],
            order=Order.from_model(done.order),
        )
