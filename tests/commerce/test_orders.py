"""Orders (issue 5): checkout snapshots the cart into an idempotent order with a PaymentIntent,
reserves the coupon, and a free total is paid at once."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog.models import PricingTier
from app.commerce import cart as cart_service
from app.commerce import orders
from app.commerce.models import (
    Cart,
    CartItem,
    CouponRedemption,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentProvider,
    PaymentStatus,
)
from app.db import Database
from app.errors import Conflict, Invalid, UserFacingError
from app.integrations.payments import PaymentGateway, make_gateway
from app.learning.models import Enrollment, EnrollmentSource
from app.money import Amount
from app.outbox import OutboxEvent
from app.settings import get_settings
from tests.support.catalog import person
from tests.support.coupons import coupon, used_count
from tests.support.orders import buyer_with_cart, checkout, count, rows


def usd(amount: str) -> Amount:
    return Amount(Decimal(amount), "USD")


@pytest.fixture
def gateway(redis_client: Any) -> PaymentGateway:
    return make_gateway(get_settings(), redis=redis_client)


# --- checkout ----------------------------------------------------------------------------------


async def test_an_order_snapshots_the_carts_lines_and_prices(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, courses = await buyer_with_cart(database)

    result = await checkout(database, gateway, buyer)

    [order] = await rows(database, Order)
    assert (order.user_id, order.subtotal_minor, order.total_minor) == (buyer.id, 5500, 5500)
    assert order.currency == "USD"
    items = await rows(database, OrderItem)
    assert sorted((i.course_id, i.title, i.tier, i.unit_price_minor) for i in items) == sorted(
        (c.id, c.title, PricingTier.BASIC, p) for c, p in zip(courses, (2000, 3500), strict=True)
    )
    assert [i.title for i in result.items] == [c.title for c in courses]


async def test_an_order_creates_a_payment_intent_and_returns_its_client_secret(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, _ = await buyer_with_cart(database)

    result = await checkout(database, gateway, buyer)

    [order] = await rows(database, Order)
    [payment] = await rows(database, Payment)
    assert order.status == OrderStatus.REQUIRES_PAYMENT
    assert order.payment_intent_id is not None
    assert order.provider == PaymentProvider.LOCAL
    assert (payment.order_id, payment.provider_payment_id) == (order.id, order.payment_intent_id)
    assert (payment.amount_minor, payment.status) == (5500, PaymentStatus.PENDING)
    assert result.client_secret is not None
    assert result.client_secret.startswith(order.payment_intent_id)


async def test_checkout_empties_the_cart(database: Database, gateway: PaymentGateway) -> None:
    buyer, _ = await buyer_with_cart(database)

    await checkout(database, gateway, buyer)

    assert await count(database, CartItem) == 0


async def test_checkout_reserves_the_applied_coupon(
    database: Database, gateway: PaymentGateway
) -> None:
    deal = await coupon(database, "TENOFF", percent_off=10)
    buyer, _ = await buyer_with_cart(database, code="TENOFF")

    await checkout(database, gateway, buyer)

    [order] = await rows(database, Order)
    assert (order.discount_minor, order.total_minor, order.coupon_id) == (550, 4950, deal.id)
    assert await used_count(database, deal.id) == 1
    [redemption] = await rows(database, CouponRedemption)
    assert (redemption.order_id, redemption.discount_minor) == (order.id, 550)
    items = await rows(database, OrderItem)
    assert sum(i.discount_minor for i in items) == 550


async def test_an_empty_cart_cannot_be_checked_out(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer = await person(database)

    with pytest.raises(Invalid) as caught:
        await checkout(database, gateway, buyer)

    assert caught.value.errors[0].code == "CART_EMPTY"
    assert await count(database, Order) == 0


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
async def test_an_idempotency_key_is_required_and_bounded(
    database: Database, gateway: PaymentGateway, key: str
) -> None:
    buyer, _ = await buyer_with_cart(database)

    with pytest.raises(Invalid) as caught:
        await checkout(database, gateway, buyer, key=key)

    assert caught.value.errors[0].field == "idempotency_key"
    assert await count(database, Order) == 0
    assert await count(database, CartItem) == 2


async def test_a_changed_total_is_refused_and_the_cart_is_kept(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, _ = await buyer_with_cart(database)

    with pytest.raises(Conflict) as caught:
        await checkout(database, gateway, buyer, expected_total=usd("50.00"))

    assert (caught.value.errors[0].field, caught.value.errors[0].code) == (
        "expected_total",
        "TOTAL_CHANGED",
    )
    assert await count(database, Order) == 0
    assert await count(database, CartItem) == 2


async def test_the_expected_total_in_major_units_is_accepted(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, _ = await buyer_with_cart(database)

    result = await checkout(database, gateway, buyer, expected_total=usd("55"))

    assert result.order.total_minor == 5500


async def test_an_expected_total_in_another_currency_is_refused(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, _ = await buyer_with_cart(database)

    with pytest.raises(Conflict) as caught:
        await checkout(database, gateway, buyer, expected_total=Amount(Decimal("55"), "EUR"))

    assert (caught.value.errors[0].field, caught.value.errors[0].code) == (
        "expected_total",
        "CURRENCY_MISMATCH",
    )
    assert await count(database, Order) == 0


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [("55.001", "USD", "TOO_PRECISE"), ("55", "XYZ", "UNKNOWN_CURRENCY")],
)
async def test_an_expected_total_that_is_no_amount_of_money_is_refused(
    database: Database, gateway: PaymentGateway, amount: str, currency: str, code: str
) -> None:
    buyer, _ = await buyer_with_cart(database)
    total = Amount(Decimal(amount), currency)

    with pytest.raises(UserFacingError) as caught:
        await checkout(database, gateway, buyer, expected_total=total)

    assert (caught.value.errors[0].field, caught.value.errors[0].code) == ("expected_total", code)
    assert await count(database, Order) == 0


async def test_a_coupon_used_up_meanwhile_fails_checkout_and_changes_nothing(
    database: Database, gateway: PaymentGateway
) -> None:
    deal = await coupon(database, "ONCE", usage_limit=1)
    first, _ = await buyer_with_cart(database, prices=(1000,), code="ONCE")
    second, _ = await buyer_with_cart(database, prices=(1000,), code="ONCE")
    await checkout(database, gateway, first)

    with pytest.raises(Conflict) as caught:
        await checkout(database, gateway, second)

    assert caught.value.errors[0].code == "COUPON_EXHAUSTED"
    assert await count(database, Order, Order.user_id == second.id) == 0
    assert await count(database, CartItem) == 1
    assert await used_count(database, deal.id) == 1


# --- idempotency -------------------------------------------------------------------------------


async def test_a_replay_with_the_same_key_and_body_returns_the_same_order(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, _ = await buyer_with_cart(database)
    first = await checkout(database, gateway, buyer)

    again = await checkout(database, gateway, buyer)

    assert again.order.id == first.order.id
    assert again.client_secret == first.client_secret
    assert again.replayed
    assert not first.replayed
    assert [i.id for i in again.items] == [i.id for i in first.items]
    assert await count(database, Order) == 1
    assert await count(database, Payment) == 1


async def test_a_used_key_with_a_different_body_is_a_conflict(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, _ = await buyer_with_cart(database)
    await checkout(database, gateway, buyer)

    with pytest.raises(Conflict) as caught:
        await checkout(database, gateway, buyer, expected_total=usd("55.00"))

    assert (caught.value.errors[0].field, caught.value.errors[0].code) == (
        "idempotency_key",
        "CONFLICT",
    )
    assert await count(database, Order) == 1


async def test_a_replay_names_its_expected_total_in_any_notation(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, _ = await buyer_with_cart(database)
    first = await checkout(database, gateway, buyer, expected_total=usd("55"))

    again = await checkout(database, gateway, buyer, expected_total=usd("55.00"))

    assert (again.order.id, again.replayed) == (first.order.id, True)


async def test_a_checkout_without_an_expected_total_hashes_as_before(
    database: Database, gateway: PaymentGateway
) -> None:
    """Keys used before totals were money (hash of {"expectedTotalMinor": null}) still replay."""
    buyer, _ = await buyer_with_cart(database)

    result = await checkout(database, gateway, buyer)

    assert result.order.request_hash == orders.request_hash_of({"expectedTotalMinor": None})


async def test_keys_are_per_user(database: Database, gateway: PaymentGateway) -> None:
    ada, _ = await buyer_with_cart(database)
    bob, _ = await buyer_with_cart(database)

    first = await checkout(database, gateway, ada, key="same")
    second = await checkout(database, gateway, bob, key="same")

    assert first.order.id != second.order.id
    assert second.order.user_id == bob.id


async def test_concurrent_replays_of_one_key_make_one_order(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, _ = await buyer_with_cart(database)

    results = await asyncio.gather(*(checkout(database, gateway, buyer) for _ in range(5)))

    assert len({r.order.id for r in results}) == 1
    assert len({r.client_secret for r in results}) == 1
    assert await count(database, Order) == 1
    assert await count(database, Payment) == 1


async def test_concurrent_checkouts_with_different_keys_buy_the_cart_once(
    database: Database, gateway: PaymentGateway
) -> None:
    buyer, _ = await buyer_with_cart(database)

    results = await asyncio.gather(
        *(checkout(database, gateway, buyer, key=f"k{i}") for i in range(4)),
        return_exceptions=True,
    )

    made = [r for r in results if isinstance(r, orders.CheckoutResult)]
    refused = [r for r in results if isinstance(r, Invalid)]
    assert len(made) == 1
    assert len(refused) == 3
    assert {e.errors[0].code for e in refused} == {"CART_EMPTY"}
    assert await count(database, Order) == 1


# --- free orders -------------------------------------------------------------------------------


async def test_a_free_total_is_paid_at_once_without_a_payment_intent(
    database: Database, gateway: PaymentGateway
) -> None:
    deal = await coupon(database, "FREE", percent_off=100)
    buyer, courses = await buyer_with_cart(database, code="FREE")

    result = await checkout(database, gateway, buyer)

    assert result.client_secret is None
    [order] = await rows(database, Order)
    assert (order.status, order.total_minor, order.payment_intent_id) == (
        OrderStatus.PAID,
        0,
        None,
    )
    assert order.paid_at is not None
    assert await count(database, Payment) == 0
    enrollments = await rows(database, Enrollment, Enrollment.student_id == buyer.id)
    assert {e.course_id for e in enrollments} == {c.id for c in courses}
    assert {(e.source, e.order_id) for e in enrollments} == {(EnrollmentSource.PURCHASE, order.id)}
    [redemption] = await rows(database, CouponRedemption)
    assert redemption.order_id == order.id
    assert await used_count(database, deal.id) == 1
    assert await count(database, OutboxEvent, OutboxEvent.topic == orders.ORDER_PAID) == 1


# --- money -------------------------------------------------------------------------------------


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prices=st.lists(st.integers(min_value=1, max_value=500_000), min_size=1, max_size=3),
    percent=st.one_of(st.none(), st.integers(min_value=1, max_value=100)),
)
async def test_order_totals_equal_the_carts_totals_and_are_never_negative(
    database: Database, gateway: PaymentGateway, prices: list[int], percent: int | None
) -> None:
    code = None
    if percent is not None:
        code = f"P{uuid.uuid4().hex[:10].upper()}"
        await coupon(database, code, percent_off=percent)
    buyer, _ = await buyer_with_cart(database, prices=tuple(prices), code=code)
    async with database.session() as session:
        quote = await cart_service.price_cart(
            session, user_id=buyer.id, tax_rate_bps=get_settings().tax_rate_bps
        )

    result = await checkout(database, gateway, buyer)

    order, totals = result.order, quote.totals
    assert (order.subtotal_minor, order.discount_minor, order.tax_minor, order.total_minor) == (
        totals.subtotal_minor,
        totals.discount_minor,
        totals.tax_minor,
        totals.total_minor,
    )
    assert min(order.subtotal_minor, order.discount_minor, order.total_minor) >= 0
    assert order.discount_minor <= order.subtotal_minor
    assert sum(i.total_minor for i in result.items) == order.subtotal_minor - order.discount_minor
    assert all(0 <= i.discount_minor <= i.unit_price_minor for i in result.items)


async def test_a_cart_row_exists_per_buyer(database: Database, gateway: PaymentGateway) -> None:
    """Checkout keeps the (now empty) cart, ready for the next purchase."""
    buyer, _ = await buyer_with_cart(database)

    await checkout(database, gateway, buyer)

    assert await count(database, Cart, Cart.user_id == buyer.id) == 1
