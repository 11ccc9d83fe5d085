"""Orders and payment-event helpers: carts filled through the service, checkouts, paid events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from app.accounts.models import User
from app.catalog.models import Course, PricingTier
from app.clock import utcnow
from app.commerce import cart as cart_service
from app.commerce import orders
from app.commerce.events import handle_payment_event
from app.commerce.models import Order, OrderItem, OrderStatus, PaymentProvider
from app.db import Database
from app.http.webhooks import store_event
from app.ids import new_id
from app.integrations.payments import PaymentGateway
from app.integrations.payments_local import LocalGateway, build_event
from app.learning.models import Enrollment
from app.settings import get_settings
from tests.support.catalog import person
from tests.support.coupons import paid_course


async def fill_cart(
    database: Database, user: User, courses: list[Course], code: str | None = None
) -> None:
    async with database.transaction() as session:
        for course in courses:
            await cart_service.add_to_cart(
                session, user_id=user.id, course_id=course.id, tier=PricingTier.BASIC
            )
        if code is not None:
            await cart_service.apply_coupon(session, user_id=user.id, code=code)


async def checkout(
    database: Database,
    gateway: PaymentGateway,
    user: User,
    key: str = "key-1",
    **kwargs: Any,
) -> orders.CheckoutResult:
    """Check out `user`'s cart; `kwargs` are create_order's (e.g. expected_total=Amount(...))."""
    return await orders.create_order(
        database,
        gateway,
        user_id=user.id,
        idempotency_key=key,
        provider=PaymentProvider.LOCAL,
        **kwargs,
    )


async def buyer_with_cart(
    database: Database, prices: tuple[int, ...] = (2000, 3500), code: str | None = None
) -> tuple[User, list[Course]]:
    buyer = await person(database)
    courses = [await paid_course(database, prices=(price,)) for price in prices]
    await fill_cart(database, buyer, courses, code)
    return buyer, courses


async def count(database: Database, model: Any, *where: Any) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def rows(database: Database, model: Any, *where: Any) -> list[Any]:
    async with database.session() as session:
        return list(await session.scalars(select(model).where(*where)))


SUCCEEDED, FAILED = "payment_intent.succeeded", "payment_intent.payment_failed"


async def paid_event(
    database: Database, gateway: PaymentGateway, order: Order, *, succeeded: bool = True
) -> uuid.UUID:
    """Settle the order's local intent and store the event the provider would send."""
    assert isinstance(gateway, LocalGateway)
    assert order.payment_intent_id is not None
    intent = await gateway.complete_intent(order.payment_intent_id, succeeded=succeeded)
    return await stored(database, SUCCEEDED if succeeded else FAILED, intent)


async def stored(database: Database, event_type: str, obj: dict[str, Any]) -> uuid.UUID:
    receipt = await store_event(database, get_settings(), build_event(event_type, obj))
    assert receipt.payment_event_id is not None
    return receipt.payment_event_id


async def pending_order(
    database: Database, gateway: PaymentGateway, code: str | None = None
) -> tuple[Order, User, list[Course]]:
    buyer, courses = await buyer_with_cart(database, code=code)
    result = await checkout(database, gateway, buyer)
    return result.order, buyer, courses


async def order_row(database: Database, order_id: uuid.UUID) -> Order:
    async with database.session() as session:
        found = await session.get(Order, order_id)
    assert found is not None
    return found


async def enrollments_of(database: Database, user: User) -> list[Enrollment]:
    return await rows(database, Enrollment, Enrollment.student_id == user.id)


async def intent_object(gateway: PaymentGateway, order: Order) -> dict[str, Any]:
    assert isinstance(gateway, LocalGateway)
    assert order.payment_intent_id is not None
    found = await gateway.get_object(order.payment_intent_id)
    assert found is not None
    return found


async def paid_orders(
    database: Database, buyer: User, courses: list[Course], count: int
) -> list[Order]:
    """`count` paid orders of `buyer` (one transaction), each of two items: the first course
    and one of the others in turn."""
    made = [
        Order(
            id=new_id(),
            user_id=buyer.id,
            status=OrderStatus.PAID,
            subtotal_minor=3000,
            total_minor=3000,
            currency="USD",
            paid_at=utcnow(),
        )
        for _ in range(count)
    ]
    async with database.transaction() as session:
        session.add_all(made)
        await session.flush()
        for i, order in enumerate(made):
            pair = [courses[0], courses[1 + i % (len(courses) - 1)]]
            session.add_all(
                OrderItem(
                    order_id=order.id,
                    course_id=course.id,
                    title=course.title,
                    tier=PricingTier.BASIC,
                    unit_price_minor=1500,
                    total_minor=1500,
                )
                for course in pair
            )
    return made


async def add(
    database: Database, user: User, course: Course, tier: PricingTier = PricingTier.BASIC
) -> None:
    async with database.transaction() as session:
        await cart_service.add_to_cart(session, user_id=user.id, course_id=course.id, tier=tier)


async def age(database: Database, order_id: uuid.UUID, minutes: int) -> None:
    """Make the order `minutes` older (its created_at is the database's clock)."""
    async with database.transaction() as session:
        await session.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(created_at=Order.created_at - timedelta(minutes=minutes))
        )


async def expire(database: Database, order_id: uuid.UUID) -> None:
    """Make the unpaid order older than ORDER_PENDING_MINUTES: it holds its courses no more."""
    await age(database, order_id, get_settings().order_pending_minutes + 1)


async def deliver(database: Database, event_type: str, obj: dict[str, Any]) -> bool:
    """Store a provider event and process it as the worker would (without held refunds)."""
    return await handle_payment_event(
        database, payment_event_id=await stored(database, event_type, obj)
    )


async def pay(database: Database, gateway: PaymentGateway, order: Order) -> None:
    """The order's local intent succeeds and the event is processed."""
    await handle_payment_event(
        database, payment_event_id=await paid_event(database, gateway, order)
    )


@dataclass
class Bought:
    buyer: User
    course: Course
    first: Order  # its BASIC tier, unpaid and expired
    second: Order  # its PRO tier, unpaid


async def two_orders_for_one_course(database: Database, gateway: PaymentGateway) -> Bought:
    """The path of issue 9: an order for a course, then (once that one expired) another for
    its PRO tier."""
    buyer, course = await person(database), await paid_course(database, prices=(2000, 3500))
    await add(database, buyer, course)
    first = await checkout(database, gateway, buyer, key="a")
    await expire(database, first.order.id)
    await add(database, buyer, course, PricingTier.PRO)
    second = await checkout(database, gateway, buyer, key="b")
    return Bought(buyer, course, first.order, second.order)
