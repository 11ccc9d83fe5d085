"""Refunds by policy (Property 54) and their effects (Property 55), from the student's request,
an admin's refund and the provider's charge.refunded event."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts.models import UserRole
from app.commerce import refunds
from app.commerce.events import handle_payment_event
from app.commerce.models import (
    Order,
    OrderItem,
    OrderStatus,
    PaymentEvent,
    Refund,
    RefundStatus,
)
from app.commerce.refund_policy import RefundPolicy
from app.db import Database
from app.errors import Forbidden, Invalid, NotFound, UserFacingError
from app.learning.models import EnrollmentStatus
from app.security.permissions import Actor
from tests.support import catalog as factories
from tests.support.learning import complete, lessons_of
from tests.support.refunds import (
    RecordingGateway,
    course_revenue,
    days_ago,
    enrollment_of,
    paid_course,
    paid_order,
    refund_notifications,
    reload_order,
    store_event,
)

POLICY = RefundPolicy(window_days=14, full_max_consumed_percent=20)


async def ask(
    database: Database,
    gateway: RecordingGateway,
    user_id: uuid.UUID,
    order: Order,
    course_id: uuid.UUID | None = None,
) -> list[Refund]:
    async with database.transaction() as session:
        done = await refunds.request_refund(
            session,
            gateway,
            user_id=user_id,
            order_id=order.id,
            course_id=course_id,
            reason="Not for me",
            policy=POLICY,
        )
    return done.refunds


async def admin_refund(
    database: Database,
    gateway: RecordingGateway,
    actor: Actor,
    order: Order,
    amount: int | None,
) -> list[Refund]:
    """An admin's refund of `amount` minor units (USD), or of all that is left."""
    async with database.transaction() as session:
        done = await refunds.refund_order(
            session,
            gateway,
            actor=actor,
            order_id=order.id,
            amount=None if amount is None else Decimal(amount) / 100,
            course_id=None,
            reason="Goodwill",
        )
    return done.refunds


async def admin(database: Database) -> Actor:
    user = await factories.person(database, UserRole.ADMIN)
    return Actor(id=user.id, role=UserRole.ADMIN)


async def refund_rows(database: Database, order: Order) -> list[Refund]:
    async with database.session() as session:
        return list(
            await session.scalars(
                select(Refund).where(Refund.order_id == order.id).order_by(Refund.created_at)
            )
        )


async def test_property_55_a_full_refund_revokes_access_notifies_and_adjusts_revenue(
    database: Database,
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course])
    gateway = RecordingGateway()

    [refund] = await ask(database, gateway, student.id, order)

    assert (refund.amount_minor, refund.status) == (10_000, RefundStatus.SUCCEEDED)
    assert gateway.calls[0]["idempotency_key"] == f"refund:{refund.id}"
    assert gateway.calls[0]["payment_intent_id"] == order.payment_intent_id
    after = await reload_order(database, order.id)
    assert (after.status, after.refunded_minor) == (OrderStatus.REFUNDED, 10_000)
    assert (await enrollment_of(database, student, course)).status == EnrollmentStatus.REFUNDED
    assert await refund_notifications(database, student) == 1
    assert await course_revenue(database, course) == 0


async def test_property_54_the_refund_is_pro_rated_by_lessons_completed(
    database: Database,
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course])
    enrollment = await enrollment_of(database, student, course)
    for lesson in (await lessons_of(database, course.id))[:3]:
        await complete(database, enrollment, lesson.id)

    [refund] = await ask(database, RecordingGateway(), student.id, order)

    assert refund.amount_minor == 7_000
    after = await reload_order(database, order.id)
    assert (after.status, after.refunded_minor) == (OrderStatus.PARTIALLY_REFUNDED, 7_000)
    assert await course_revenue(database, course) == 3_000


async def test_property_54_nothing_is_refunded_after_the_window(database: Database) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course], paid_at=days_ago(15))
    gateway = RecordingGateway()

    with pytest.raises(Invalid) as caught:
        await ask(database, gateway, student.id, order)

    assert caught.value.errors[0].code == "NOT_REFUNDABLE"
    assert gateway.calls == []
    assert await refund_rows(database, order) == []
    assert (await enrollment_of(database, student, course)).status == EnrollmentStatus.ACTIVE


async def test_a_student_cannot_refund_someone_elses_order(database: Database) -> None:
    course = await paid_course(database)
    buyer, other = await factories.person(database), await factories.person(database)
    order = await paid_order(database, buyer, [course])

    with pytest.raises(NotFound):
        await ask(database, RecordingGateway(), other.id, order)

    assert (await reload_order(database, order.id)).status == OrderStatus.PAID


async def test_one_course_of_an_order_can_be_refunded_alone(database: Database) -> None:
    first, second = await paid_course(database), await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [first, second], prices=[6_000, 4_000])

    [refund] = await ask(database, RecordingGateway(), student.id, order, second.id)

    assert refund.amount_minor == 4_000
    assert (await enrollment_of(database, student, first)).status == EnrollmentStatus.ACTIVE
    assert (await enrollment_of(database, student, second)).status == EnrollmentStatus.REFUNDED
    assert await course_revenue(database, first) == 6_000
    assert await course_revenue(database, second) == 0
    after = await reload_order(database, order.id)
    assert (after.status, after.refunded_minor) == (OrderStatus.PARTIALLY_REFUNDED, 4_000)


async def test_property_54_admin_partial_refunds_accumulate_and_stop_at_the_paid_amount(
    database: Database,
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course])
    actor, gateway = await admin(database), RecordingGateway()

    await admin_refund(database, gateway, actor, order, 3_000)
    await admin_refund(database, gateway, actor, order, 4_000)
    with pytest.raises(Invalid) as caught:
        await admin_refund(database, gateway, actor, order, 3_001)
    assert caught.value.errors[0].code == "AMOUNT_TOO_HIGH"
    assert (await reload_order(database, order.id)).refunded_minor == 7_000

    await admin_refund(database, gateway, actor, order, None)

    after = await reload_order(database, order.id)
    assert (after.status, after.refunded_minor) == (OrderStatus.REFUNDED, 10_000)
    assert [c["amount_minor"] for c in gateway.calls] == [3_000, 4_000, 3_000]
    with pytest.raises(Invalid):
        await admin_refund(database, gateway, actor, order, 1)


@pytest.mark.parametrize(
    ("amount", "code"), [("25.001", "TOO_PRECISE"), ("0", "OUT_OF_RANGE"), ("-5", "OUT_OF_RANGE")]
)
async def test_an_admins_amount_is_money_in_the_orders_currency(
    database: Database, amount: str, code: str
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course])
    gateway = RecordingGateway()

    with pytest.raises(UserFacingError) as caught:
        async with database.transaction() as session:
            await refunds.refund_order(
                session,
                gateway,
                actor=await admin(database),
                order_id=order.id,
                amount=Decimal(amount),
            )

    assert (caught.value.errors[0].field, caught.value.errors[0].code) == ("amount", code)
    assert gateway.calls == []


async def test_too_high_an_amount_says_what_is_left_in_major_units(database: Database) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course])

    with pytest.raises(Invalid) as caught:
        await admin_refund(database, RecordingGateway(), await admin(database), order, 10_001)

    assert caught.value.errors[0].message == "At most 100.00 USD can still be refunded"


async def test_only_admins_refund_orders(database: Database) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course])
    gateway = RecordingGateway()

    with pytest.raises(Forbidden):
        await admin_refund(
            database, gateway, Actor(id=student.id, role=UserRole.STUDENT), order, 100
        )

    assert gateway.calls == []


async def test_property_54_concurrent_requests_never_refund_more_than_was_paid(
    database: Database,
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course])
    gateway = RecordingGateway()

    results = await asyncio.gather(
        *(ask(database, gateway, student.id, order) for _ in range(4)), return_exceptions=True
    )

    assert sum(1 for r in results if isinstance(r, list)) == 1
    assert all(isinstance(r, (list, Invalid)) for r in results)
    assert (await reload_order(database, order.id)).refunded_minor == 10_000
    assert await refund_notifications(database, student) == 1


async def test_a_pending_refund_completes_once_on_charge_refunded_even_when_replayed(
    database: Database,
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course])
    [refund] = await ask(database, RecordingGateway(status="pending"), student.id, order)
    assert (await reload_order(database, order.id)).status == OrderStatus.PAID
    assert (await enrollment_of(database, student, course)).status == EnrollmentStatus.ACTIVE
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": order.payment_intent_id,
        "amount_refunded": 10_000,
        "refunds": {"data": [{"id": refund.provider_refund_id, "amount": 10_000}]},
    }

    for _ in range(2):  # the same state delivered twice, as two distinct events
        await handle_payment_event(
            database, payment_event_id=await store_event(database, "charge.refunded", charge)
        )

    [row] = await refund_rows(database, order)
    assert row.status == RefundStatus.SUCCEEDED
    after = await reload_order(database, order.id)
    assert (after.status, after.refunded_minor) == (OrderStatus.REFUNDED, 10_000)
    assert (await enrollment_of(database, student, course)).status == EnrollmentStatus.REFUNDED
    assert await refund_notifications(database, student) == 1


async def test_an_immediately_succeeded_refund_ignores_the_later_charge_refunded(
    database: Database,
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course])
    await ask(database, RecordingGateway(), student.id, order)
    charge = {"payment_intent": order.payment_intent_id, "amount_refunded": 10_000}

    await handle_payment_event(
        database, payment_event_id=await store_event(database, "charge.refunded", charge)
    )

    assert len(await refund_rows(database, order)) == 1
    assert (await reload_order(database, order.id)).refunded_minor == 10_000
    assert await refund_notifications(database, student) == 1


async def test_a_refund_made_at_the_provider_is_recorded_and_spread_over_items(
    database: Database,
) -> None:
    first, second = await paid_course(database), await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [first, second], prices=[6_000, 4_000])
    charge = {
        "payment_intent": order.payment_intent_id,
        "amount_refunded": 7_000,
        "refunds": {"data": [{"id": "re_dashboard", "amount": 7_000}]},
    }

    await handle_payment_event(
        database, payment_event_id=await store_event(database, "charge.refunded", charge)
    )

    [row] = await refund_rows(database, order)
    assert (row.provider_refund_id, row.amount_minor) == ("re_dashboard", 7_000)
    async with database.session() as session:
        items = {
            i.course_id: i.refunded_minor
            for i in await session.scalars(select(OrderItem).where(OrderItem.order_id == order.id))
        }
    assert items == {first.id: 6_000, second.id: 1_000}
    assert (await enrollment_of(database, student, first)).status == EnrollmentStatus.REFUNDED
    assert (await enrollment_of(database, student, second)).status == EnrollmentStatus.ACTIVE
    assert await course_revenue(database, second) == 3_000


async def test_a_failed_gateway_refund_changes_nothing_but_its_row(database: Database) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course])

    [refund] = await ask(database, RecordingGateway(status="failed"), student.id, order)

    assert refund.status == RefundStatus.FAILED
    assert (await reload_order(database, order.id)).status == OrderStatus.PAID
    assert (await enrollment_of(database, student, course)).status == EnrollmentStatus.ACTIVE


async def test_charge_refunded_before_the_payment_is_recorded_is_retried_later(
    database: Database,
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course])
    async with database.transaction() as session:
        row = await session.get(Order, order.id)
        assert row is not None
        row.status = OrderStatus.REQUIRES_PAYMENT
    charge = {"payment_intent": order.payment_intent_id, "amount_refunded": 10_000}
    event_id = await store_event(database, "charge.refunded", charge)

    with pytest.raises(refunds.PaymentNotRecordedYet):
        await handle_payment_event(database, payment_event_id=event_id)

    assert await refund_rows(database, order) == []
    async with database.session() as session:
        stored = await session.get(PaymentEvent, event_id)
        assert stored is not None
        assert stored.processed_at is None
        assert stored.attempts == 1
