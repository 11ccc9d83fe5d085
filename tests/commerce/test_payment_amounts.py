"""A signed success event pays an order only for the order's amount and currency: anything else is
not paid, logged and flagged on the payment for review (issue 9, item 7)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from app.commerce.models import OrderStatus, Payment, PaymentStatus
from app.db import Database
from app.integrations.payments_local import LocalGateway
from tests.support.coupons import coupon
from tests.support.orders import (
    SUCCEEDED,
    deliver,
    enrollments_of,
    order_row,
    pending_order,
    rows,
)


async def _settled_intent(gateway: LocalGateway, intent_id: str) -> dict[str, Any]:
    return await gateway.complete_intent(intent_id, succeeded=True)


async def test_a_success_event_for_another_amount_pays_nothing_and_is_flagged(
    database: Database, gateway: LocalGateway
) -> None:
    await coupon(database, "TEN")
    order, buyer, _ = await pending_order(database, gateway, code="TEN")
    assert order.payment_intent_id is not None
    intent = await _settled_intent(gateway, order.payment_intent_id)

    with capture_logs() as logs:
        await deliver(database, SUCCEEDED, intent | {"amount": 1, "amount_received": 1})

    assert (await order_row(database, order.id)).status == OrderStatus.REQUIRES_PAYMENT
    assert await enrollments_of(database, buyer) == []
    [payment] = await rows(database, Payment)
    assert (payment.status, payment.failure_code) == (PaymentStatus.PENDING, "amount_mismatch")
    assert payment.metadata_["charged"] == {
        "intent_id": order.payment_intent_id,
        "amount_minor": 1,
        "currency": "USD",
    }
    [logged] = [e for e in logs if e["event"] == "payment_amount_mismatch"]
    assert (logged["log_level"], logged["received_minor"], logged["expected_minor"]) == (
        "error",
        1,
        order.total_minor,
    )


async def test_a_success_event_in_another_currency_pays_nothing(
    database: Database, gateway: LocalGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    assert order.payment_intent_id is not None
    intent = await _settled_intent(gateway, order.payment_intent_id)

    await deliver(database, SUCCEEDED, intent | {"currency": "eur"})

    assert (await order_row(database, order.id)).status == OrderStatus.REQUIRES_PAYMENT
    assert await enrollments_of(database, buyer) == []


async def test_the_right_event_after_a_wrong_one_pays_the_order(
    database: Database, gateway: LocalGateway
) -> None:
    order, buyer, courses = await pending_order(database, gateway)
    assert order.payment_intent_id is not None
    intent = await _settled_intent(gateway, order.payment_intent_id)
    await deliver(database, SUCCEEDED, intent | {"amount_received": order.total_minor - 1})

    await deliver(database, SUCCEEDED, intent)

    assert (await order_row(database, order.id)).status == OrderStatus.PAID
    assert {e.course_id for e in await enrollments_of(database, buyer)} == {c.id for c in courses}
    [payment] = await rows(database, Payment)
    assert (payment.status, payment.failure_code) == (PaymentStatus.SUCCEEDED, None)


async def test_a_checkout_session_for_another_total_pays_nothing(
    database: Database, gateway: LocalGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    assert order.payment_intent_id is not None
    await _settled_intent(gateway, order.payment_intent_id)
    session = {
        "id": "cs_test_amount",
        "object": "checkout.session",
        "payment_status": "paid",
        "client_reference_id": str(order.id),
        "payment_intent": order.payment_intent_id,
        "amount_total": order.total_minor + 100,
        "currency": "usd",
    }

    await deliver(database, "checkout.session.completed", session)

    assert (await order_row(database, order.id)).status == OrderStatus.REQUIRES_PAYMENT
    assert await enrollments_of(database, buyer) == []


OTHER_AMOUNT = st.tuples(
    st.integers(min_value=-5499, max_value=10**9).filter(lambda d: d != 0), st.just("usd")
)
OTHER_CURRENCY = st.tuples(st.just(0), st.sampled_from(["eur", "jpy", "gbp", "xxx"]))


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(wrong=st.one_of(OTHER_AMOUNT, OTHER_CURRENCY))
async def test_any_other_amount_or_currency_leaves_the_order_unpaid(
    database: Database, gateway: LocalGateway, wrong: tuple[int, str]
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    assert order.payment_intent_id is not None
    intent = await _settled_intent(gateway, order.payment_intent_id)
    delta, currency = wrong

    received = {"amount_received": order.total_minor + delta, "currency": currency}
    await deliver(database, SUCCEEDED, intent | received)

    assert (await order_row(database, order.id)).status == OrderStatus.REQUIRES_PAYMENT
    assert await enrollments_of(database, buyer) == []
