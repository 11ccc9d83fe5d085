"""The local payments backend behaves like Stripe test mode (objects in Redis)."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from app.commerce.errors import CommerceCode
from app.integrations.payments import PaymentProviderError, make_gateway
from app.integrations.payments_local import LocalGateway
from app.settings import Settings


async def _intent(gateway: LocalGateway, key: str = "order:1:intent", amount: int = 5000) -> str:
    info = await gateway.create_payment_intent(
        amount_minor=amount,
        currency="usd",
        customer_id=None,
        metadata={"order_id": "1"},
        idempotency_key=key,
    )
    return info.id


def test_the_default_backend_is_local(settings: Settings, redis_client: Redis) -> None:
    assert isinstance(make_gateway(settings, redis=redis_client), LocalGateway)


async def test_an_intent_looks_like_a_stripe_test_mode_intent(gateway: LocalGateway) -> None:
    info = await gateway.create_payment_intent(
        amount_minor=4900,
        currency="usd",
        customer_id=None,
        metadata={"order_id": "42"},
        idempotency_key="order:42:intent",
    )
    assert info.id.startswith("pi_local_")
    assert info.client_secret is not None
    assert info.client_secret.startswith(info.id + "_secret_")
    assert (info.status, info.amount_minor, info.currency) == (
        "requires_payment_method",
        4900,
        "USD",
    )


async def test_replaying_an_idempotency_key_returns_the_same_intent(gateway: LocalGateway) -> None:
    first = await _intent(gateway)
    assert await _intent(gateway) == first
    assert await _intent(gateway, key="order:2:intent") != first


async def test_concurrent_calls_with_one_key_create_one_intent(gateway: LocalGateway) -> None:
    results = await asyncio.gather(
        *(_intent(gateway, key="order:9:intent") for _ in range(5)), return_exceptions=True
    )
    ids = {r for r in results if isinstance(r, str)}
    busy = [r for r in results if isinstance(r, PaymentProviderError)]
    assert len(ids) == 1
    assert all(e.provider_code == "idempotency_key_in_use" and e.retryable for e in busy)
    assert await _intent(gateway, key="order:9:intent") in ids


async def test_a_key_reused_with_other_parameters_is_refused(gateway: LocalGateway) -> None:
    await _intent(gateway, amount=5000)
    with pytest.raises(PaymentProviderError) as caught:
        await _intent(gateway, amount=6000)
    assert caught.value.provider_code == "idempotency_error"


async def test_a_refund_needs_a_succeeded_payment(gateway: LocalGateway) -> None:
    intent = await _intent(gateway)
    with pytest.raises(PaymentProviderError) as caught:
        await gateway.refund(
            payment_intent_id=intent, amount_minor=100, idempotency_key="r:1", metadata={}
        )
    assert caught.value.provider_code == "charge_not_refundable"


async def test_refunds_never_exceed_the_payment_even_concurrently(gateway: LocalGateway) -> None:
    intent = await _intent(gateway, amount=5000)
    await gateway.complete_intent(intent, succeeded=True)
    results = await asyncio.gather(
        *(
            gateway.refund(
                payment_intent_id=intent, amount_minor=2000, idempotency_key=f"r:{i}", metadata={}
            )
            for i in range(4)
        ),
        return_exceptions=True,
    )
    refunded = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, PaymentProviderError)]
    assert len(refunded) == 2
    assert all(r.status == "succeeded" and r.id.startswith("re_local_") for r in refunded)
    assert [e.provider_code for e in refused] == ["amount_too_large"] * 2


async def test_a_replayed_refund_is_not_refunded_twice(gateway: LocalGateway) -> None:
    intent = await _intent(gateway, amount=3000)
    await gateway.complete_intent(intent, succeeded=True)
    refunds = [
        await gateway.refund(
            payment_intent_id=intent, amount_minor=3000, idempotency_key="refund:1", metadata={}
        )
        for _ in range(2)
    ]
    assert refunds[0] == refunds[1]


async def test_a_declined_payment_can_be_retried_but_a_paid_one_cannot(
    gateway: LocalGateway,
) -> None:
    intent = await _intent(gateway)
    declined = await gateway.complete_intent(intent, succeeded=False)
    assert declined["last_payment_error"]["code"] == "card_declined"
    paid = await gateway.complete_intent(intent, succeeded=True)
    assert (paid["status"], paid["amount_received"]) == ("succeeded", 5000)
    with pytest.raises(PaymentProviderError):
        await gateway.complete_intent(intent, succeeded=True)


async def test_customers_and_subscriptions_are_idempotent(gateway: LocalGateway) -> None:
    customer = await gateway.ensure_customer(
        user_id="u1", email="a@example.com", name="Ada", idempotency_key="user:u1:customer"
    )
    assert customer.startswith("cus_local_")
    again = await gateway.ensure_customer(
        user_id="u1", email="a@example.com", name="Ada", idempotency_key="user:u1:customer"
    )
    assert again == customer
    sub = await gateway.create_subscription(
        customer_id=customer, price_id="price_pro", idempotency_key="s:1", metadata={}
    )
    assert sub.id.startswith("sub_local_")
    assert sub.status == "active"
    assert sub.current_period_start is not None
    assert sub.current_period_end is not None
    assert (sub.current_period_end - sub.current_period_start).days == 30


async def test_cancelling_at_period_end_keeps_access_and_immediately_ends_it(
    gateway: LocalGateway,
) -> None:
    customer = await gateway.ensure_customer(
        user_id="u2", email="b@example.com", name="Bo", idempotency_key="user:u2:customer"
    )
    sub = await gateway.create_subscription(
        customer_id=customer, price_id="price_pro", idempotency_key="s:2", metadata={}
    )
    later = await gateway.cancel_subscription(
        subscription_id=sub.id, at_period_end=True, idempotency_key="s:2:cancel-later"
    )
    assert (later.status, later.cancel_at_period_end) == ("active", True)
    now = await gateway.cancel_subscription(
        subscription_id=sub.id, at_period_end=False, idempotency_key="s:2:cancel-now"
    )
    assert now.status == "canceled"


async def test_unknown_objects_are_typed_provider_errors(gateway: LocalGateway) -> None:
    with pytest.raises(PaymentProviderError) as caught:
        await gateway.create_subscription(
            customer_id="cus_local_nope", price_id="p", idempotency_key="s:x", metadata={}
        )
    assert caught.value.provider_code == "resource_missing"
    # the failed call freed its key: a corrected retry is not blocked
    with pytest.raises(PaymentProviderError) as again:
        await gateway.create_subscription(
            customer_id="cus_local_nope", price_id="p", idempotency_key="s:x", metadata={}
        )
    assert again.value.provider_code == "resource_missing"


@pytest.mark.parametrize(
    ("provider_code", "code"),
    [
        ("payment_intent_unexpected_state", "PAYMENT_ALREADY_SETTLED"),
        ("charge_already_refunded", "PAYMENT_ALREADY_SETTLED"),
        ("resource_missing", "PAYMENT_UNKNOWN"),
        ("card_declined", "PAYMENT_REFUSED"),
        ("something_new", "PAYMENT_REFUSED"),
    ],
)
def test_provider_codes_map_onto_a_fixed_set_of_codes(provider_code: str, code: str) -> None:
    error = PaymentProviderError("refused", provider_code=provider_code)
    assert error.user_code == code
    assert error.user_code in CommerceCode
