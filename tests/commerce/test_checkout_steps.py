"""Checkout never calls the payment provider while it holds its locks, and a failure around the
provider's call orphans nothing: the order is committed first, and a retry with the same key gets
the very same payment intent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select, text

from app.commerce.models import Cart, Coupon, Order, OrderStatus, Payment
from app.db import Database
from app.integrations.payments import IntentInfo, PaymentProviderError
from app.integrations.payments_local import LocalGateway
from tests.support.coupons import coupon, used_count
from tests.support.orders import buyer_with_cart, checkout, count, order_row, rows


@dataclass
class Flaky:
    """The local gateway, failing as told: before the provider answers, or after it did."""

    inner: LocalGateway
    fail_before: bool = False
    fail_after: bool = False
    intents: list[str] = field(default_factory=list)

    async def create_payment_intent(self, **kwargs: Any) -> IntentInfo:
        if self.fail_before:
            raise PaymentProviderError("provider down", provider_code="api_error", retryable=True)
        intent = await self.inner.create_payment_intent(**kwargs)
        self.intents.append(intent.id)
        if self.fail_after:
            raise ConnectionResetError("the connection dropped after the provider answered")
        return intent

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_a_provider_failure_keeps_the_order_and_a_retry_with_the_key_resumes_it(
    database: Database, gateway: LocalGateway
) -> None:
    deal = await coupon(database, "TEN")
    buyer, _ = await buyer_with_cart(database, code="TEN")
    down = Flaky(gateway, fail_before=True)

    with pytest.raises(PaymentProviderError):
        await checkout(database, down, buyer)  # type: ignore[arg-type]

    [kept] = await rows(database, Order)
    assert (kept.status, kept.payment_intent_id) == (OrderStatus.PENDING, None)
    assert await used_count(database, deal.id) == 1
    assert await count(database, Payment) == 0

    resumed = await checkout(database, gateway, buyer)

    assert (resumed.order.id, resumed.replayed) == (kept.id, True)
    assert resumed.order.status == OrderStatus.REQUIRES_PAYMENT
    assert resumed.client_secret is not None
    assert await count(database, Payment) == 1
    assert await used_count(database, deal.id) == 1


async def test_an_intent_the_provider_made_before_the_step_failed_is_the_one_attached(
    database: Database, gateway: LocalGateway
) -> None:
    buyer, _ = await buyer_with_cart(database)
    dropped = Flaky(gateway, fail_after=True)

    with pytest.raises(ConnectionResetError):
        await checkout(database, dropped, buyer)  # type: ignore[arg-type]
    [made] = dropped.intents
    assert (await rows(database, Order))[0].payment_intent_id is None

    retry = Flaky(gateway)
    resumed = await checkout(database, retry, buyer)  # type: ignore[arg-type]

    assert retry.intents == [made]
    assert resumed.order.payment_intent_id == made
    assert resumed.order.status == OrderStatus.REQUIRES_PAYMENT
    assert resumed.client_secret is not None
    assert resumed.client_secret.startswith(made)
    [payment] = await rows(database, Payment)
    assert payment.provider_payment_id == made


@dataclass
class Probing:
    """The local gateway that, while it is being called, tries to take the locks checkout
    takes (the cart's row, the coupon's row) from another connection without waiting."""

    inner: LocalGateway
    database: Database
    user_id: uuid.UUID
    coupon_id: uuid.UUID
    free: list[bool] = field(default_factory=list)

    async def create_payment_intent(self, **kwargs: Any) -> IntentInfo:
        async with self.database.transaction() as session:
            await session.execute(text("SET LOCAL lock_timeout = '1ms'"))
            try:
                async with session.begin_nested():
                    await session.execute(
                        select(Cart.id).where(Cart.user_id == self.user_id).with_for_update()
                    )
                    await session.execute(
                        select(Coupon.id).where(Coupon.id == self.coupon_id).with_for_update()
                    )
                self.free.append(True)
            except Exception:  # lock_timeout: someone holds them
                self.free.append(False)
        return await self.inner.create_payment_intent(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_the_provider_is_called_after_the_checkout_released_its_locks(
    database: Database, gateway: LocalGateway
) -> None:
    deal = await coupon(database, "LOCKS")
    buyer, _ = await buyer_with_cart(database, code="LOCKS")
    probing = Probing(gateway, database, buyer.id, deal.id)

    result = await checkout(database, probing, buyer)  # type: ignore[arg-type]

    assert probing.free == [True]
    assert result.order.status == OrderStatus.REQUIRES_PAYMENT
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == 1
    assert (await order_row(database, result.order.id)).payment_intent_id is not None
