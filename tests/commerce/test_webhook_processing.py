"""Payment events (issue 5): `payment_intent.succeeded` pays the order and enrolls the student in
every course (Property 53); `payment_intent.payment_failed` fails it and frees the coupon use.
Processing is idempotent and converges whatever order events arrive in."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.commerce import events, orders
from app.commerce.events import handle_payment_event, register_handler
from app.commerce.models import (
    CouponRedemption,
    Order,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentStatus,
)
from app.db import Database
from app.integrations.payments import PaymentGateway
from app.learning.models import Enrollment, EnrollmentSource, EnrollmentStatus
from app.notifications.models import Notification, NotificationType
from app.outbox import OutboxEvent
from tests.support.coupons import coupon, used_count
from tests.support.orders import (
    FAILED,
    SUCCEEDED,
    count,
    enrollments_of,
    intent_object,
    order_row,
    paid_event,
    pending_order,
    rows,
    stored,
)

# --- payment_intent.succeeded ------------------------------------------------------------------


async def test_property_53_a_successful_payment_enrolls_the_student_in_every_course(
    database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, courses = await pending_order(database, gateway)
    event_id = await paid_event(database, gateway, order)

    assert await handle_payment_event(database, payment_event_id=event_id)

    enrolled = await enrollments_of(database, buyer)
    assert {e.course_id for e in enrolled} == {c.id for c in courses}
    assert all(e.status == EnrollmentStatus.ACTIVE for e in enrolled)
    assert {(e.source, e.order_id) for e in enrolled} == {(EnrollmentSource.PURCHASE, order.id)}
    assert {str(e.pricing_tier) for e in enrolled} == {"basic"}


async def test_property_53_a_successful_payment_pays_the_order_and_its_payment(
    database: Database, gateway: PaymentGateway
) -> None:
    order, _, _ = await pending_order(database, gateway)
    event_id = await paid_event(database, gateway, order)

    await handle_payment_event(database, payment_event_id=event_id)

    paid = await order_row(database, order.id)
    assert paid.status == OrderStatus.PAID
    assert paid.paid_at is not None
    [payment] = await rows(database, Payment)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.succeeded_at is not None
    assert payment.method == "card"
    [event] = await rows(database, PaymentEvent)
    assert event.processed_at is not None
    assert event.attempts == 1


async def test_a_successful_payment_adds_the_paid_amounts_to_course_revenue(
    database: Database, gateway: PaymentGateway
) -> None:
    from app.analytics.models import CourseAnalytics
    from app.commerce.models import OrderItem

    order, _, courses = await pending_order(database, gateway)
    await handle_payment_event(
        database, payment_event_id=await paid_event(database, gateway, order)
    )

    items = await rows(database, OrderItem, OrderItem.order_id == order.id)
    revenue = {a.course_id: a.revenue_minor for a in await rows(database, CourseAnalytics)}
    assert revenue == {i.course_id: i.total_minor for i in items}
    assert set(revenue) == {c.id for c in courses}


async def test_property_53_the_student_is_notified_and_a_receipt_is_queued(
    database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    event_id = await paid_event(database, gateway, order)

    await handle_payment_event(database, payment_event_id=event_id)

    notes = await rows(
        database,
        Notification,
        Notification.recipient_id == buyer.id,
        Notification.type == NotificationType.PAYMENT_SUCCEEDED,
    )
    assert len(notes) == 1
    assert notes[0].metadata_["order_id"] == str(order.id)
    [paid] = await rows(database, OutboxEvent, OutboxEvent.topic == orders.ORDER_PAID)
    assert paid.payload == {"order_id": str(order.id)}


async def test_a_successful_payment_confirms_the_reserved_coupon(
    database: Database, gateway: PaymentGateway
) -> None:
    deal = await coupon(database, "TENOFF")
    order, _, _ = await pending_order(database, gateway, code="TENOFF")
    event_id = await paid_event(database, gateway, order)

    await handle_payment_event(database, payment_event_id=event_id)

    [redemption] = await rows(database, CouponRedemption)
    assert redemption.order_id == order.id
    assert await used_count(database, deal.id) == 1


# --- payment_intent.payment_failed -------------------------------------------------------------


async def test_a_failed_payment_fails_the_order_and_notifies(
    database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    event_id = await paid_event(database, gateway, order, succeeded=False)

    await handle_payment_event(database, payment_event_id=event_id)

    assert (await order_row(database, order.id)).status == OrderStatus.FAILED
    [payment] = await rows(database, Payment)
    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "card_declined")
    assert payment.failure_message == "Your card was declined."
    assert await enrollments_of(database, buyer) == []
    [note] = await rows(database, Notification, Notification.recipient_id == buyer.id)
    assert note.type == NotificationType.PAYMENT_FAILED


async def test_a_failed_payment_frees_the_coupon_use(
    database: Database, gateway: PaymentGateway
) -> None:
    deal = await coupon(database, "TENOFF")
    order, _, _ = await pending_order(database, gateway, code="TENOFF")
    event_id = await paid_event(database, gateway, order, succeeded=False)

    await handle_payment_event(database, payment_event_id=event_id)

    assert await used_count(database, deal.id) == 0
    assert await count(database, CouponRedemption) == 0


# --- idempotency and order independence --------------------------------------------------------


async def test_a_replayed_event_does_nothing(database: Database, gateway: PaymentGateway) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    event_id = await paid_event(database, gateway, order)
    await handle_payment_event(database, payment_event_id=event_id)

    assert not await handle_payment_event(database, payment_event_id=event_id)

    assert len(await enrollments_of(database, buyer)) == 2
    assert await count(database, OutboxEvent, OutboxEvent.topic == orders.ORDER_PAID) == 1


async def test_two_success_events_for_one_payment_enroll_once(
    database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    first = await paid_event(database, gateway, order)
    second = await stored(database, SUCCEEDED, await intent_object(gateway, order))

    assert await handle_payment_event(database, payment_event_id=first)
    assert await handle_payment_event(database, payment_event_id=second)

    assert len(await enrollments_of(database, buyer)) == 2
    assert await count(database, Notification, Notification.recipient_id == buyer.id) == 3
    assert await count(database, OutboxEvent, OutboxEvent.topic == orders.ORDER_PAID) == 1


async def test_concurrent_processing_of_one_event_enrolls_once(
    database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    event_id = await paid_event(database, gateway, order)

    done = await asyncio.gather(
        *(handle_payment_event(database, payment_event_id=event_id) for _ in range(4))
    )

    assert sorted(done) == [False, False, False, True]
    assert len(await enrollments_of(database, buyer)) == 2


async def test_concurrent_duplicate_events_enroll_once(
    database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    first = await paid_event(database, gateway, order)
    intent = await intent_object(gateway, order)
    others = [await stored(database, SUCCEEDED, intent) for _ in range(3)]

    await asyncio.gather(
        *(handle_payment_event(database, payment_event_id=e) for e in [first, *others])
    )

    assert len(await enrollments_of(database, buyer)) == 2
    assert (await order_row(database, order.id)).status == OrderStatus.PAID


async def test_a_failure_arriving_after_the_success_does_not_unpay_the_order(
    database: Database, gateway: PaymentGateway
) -> None:
    deal = await coupon(database, "TENOFF")
    order, buyer, _ = await pending_order(database, gateway, code="TENOFF")
    intent = await intent_object(gateway, order)
    failed = await stored(database, FAILED, {**intent, "status": "requires_payment_method"})
    succeeded = await paid_event(database, gateway, order)

    await handle_payment_event(database, payment_event_id=succeeded)
    await handle_payment_event(database, payment_event_id=failed)

    assert (await order_row(database, order.id)).status == OrderStatus.PAID
    [payment] = await rows(database, Payment)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert len(await enrollments_of(database, buyer)) == 2
    assert await used_count(database, deal.id) == 1


async def test_a_success_after_a_failure_pays_the_order_and_takes_the_coupon_again(
    database: Database, gateway: PaymentGateway
) -> None:
    deal = await coupon(database, "TENOFF")
    order, buyer, _ = await pending_order(database, gateway, code="TENOFF")
    failed = await paid_event(database, gateway, order, succeeded=False)
    succeeded = await paid_event(database, gateway, order)

    await handle_payment_event(database, payment_event_id=failed)
    await handle_payment_event(database, payment_event_id=succeeded)

    assert (await order_row(database, order.id)).status == OrderStatus.PAID
    assert len(await enrollments_of(database, buyer)) == 2
    assert await used_count(database, deal.id) == 1
    [payment] = await rows(database, Payment)
    assert (payment.status, payment.failure_code) == (PaymentStatus.SUCCEEDED, None)


@pytest.mark.parametrize("order_of_arrival", [(SUCCEEDED, FAILED), (FAILED, SUCCEEDED)])
async def test_either_order_of_arrival_ends_paid_with_the_same_enrollments(
    database: Database, gateway: PaymentGateway, order_of_arrival: tuple[str, str]
) -> None:
    order, buyer, courses = await pending_order(database, gateway)
    intent = await intent_object(gateway, order)
    ids = {
        kind: await stored(database, kind, {**intent, "status": kind}) for kind in order_of_arrival
    }

    for kind in order_of_arrival:
        await handle_payment_event(database, payment_event_id=ids[kind])

    assert (await order_row(database, order.id)).status == OrderStatus.PAID
    assert {e.course_id for e in await enrollments_of(database, buyer)} == {c.id for c in courses}


async def test_an_event_for_an_unknown_payment_is_acknowledged_without_effect(
    database: Database,
) -> None:
    event_id = await stored(database, SUCCEEDED, {"id": "pi_unknown", "object": "payment_intent"})

    assert await handle_payment_event(database, payment_event_id=event_id)

    [event] = await rows(database, PaymentEvent)
    assert event.processed_at is not None
    assert await count(database, Enrollment) == 0


async def test_an_event_type_without_a_handler_is_marked_processed(database: Database) -> None:
    event_id = await stored(database, "customer.created", {"id": "cus_1", "object": "customer"})

    assert await handle_payment_event(database, payment_event_id=event_id)

    [event] = await rows(database, PaymentEvent)
    assert event.processed_at is not None


async def test_a_failing_handler_records_the_error_and_leaves_the_event_for_a_retry(
    database: Database,
) -> None:
    async def broken(session: Any, event: PaymentEvent) -> None:
        session.add(Notification(recipient_id=uuid.uuid4(), type="x", title="x", body="x"))
        raise RuntimeError("provider hiccup")

    register_handler("test.broken", broken)
    try:
        event_id = await stored(database, "test.broken", {"id": "x_1"})
        with pytest.raises(RuntimeError):
            await handle_payment_event(database, payment_event_id=event_id)
    finally:
        events.EVENT_HANDLERS.pop("test.broken")

    [event] = await rows(database, PaymentEvent)
    assert event.processed_at is None
    assert event.attempts == 1
    assert "provider hiccup" in (event.processing_error or "")
    assert await count(database, Notification) == 0


def test_a_second_handler_for_one_event_type_is_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_handler(SUCCEEDED, lambda session, event: asyncio.sleep(0))


def test_orders_registers_its_payment_intent_handlers() -> None:
    events.ensure_handlers_loaded()
    assert events.EVENT_HANDLERS[SUCCEEDED] is orders.on_payment_succeeded
    assert events.EVENT_HANDLERS[FAILED] is orders.on_payment_failed


async def test_an_unknown_event_row_is_not_processed(database: Database) -> None:
    assert not await handle_payment_event(database, payment_event_id=uuid.uuid4())


async def test_the_webhook_event_topic_is_routed_to_the_payment_event_actor() -> None:
    from app.http.webhooks import TOPIC
    from workers.relay import ROUTES

    assert TOPIC == events.PAYMENT_EVENT_TOPIC
    assert {events.PAYMENT_EVENT_TOPIC, orders.ORDER_PAID} <= set(ROUTES)


async def test_select_shows_the_order_by_intent(
    database: Database, gateway: PaymentGateway
) -> None:
    """The intent id on the order is how events find it (unique per order)."""
    order, _, _ = await pending_order(database, gateway)
    async with database.session() as session:
        found = await session.scalar(
            select(Order.id).where(Order.payment_intent_id == order.payment_intent_id)
        )
    assert found == order.id
