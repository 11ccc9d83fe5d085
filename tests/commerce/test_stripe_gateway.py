"""StripeGateway through the real `stripe` library against the local stand-in server."""

from __future__ import annotations

import pytest

from app.integrations.payments import (
    CheckoutLine,
    PaymentProviderError,
    StripeGateway,
)
from app.settings import Settings
from tests.support.stripe_standin import StripeStandIn


async def _intent(gateway: StripeGateway, key: str) -> str:
    info = await gateway.create_payment_intent(
        amount_minor=4900,
        currency="USD",
        customer_id="cus_1",
        metadata={"order_id": "o-1"},
        idempotency_key=key,
    )
    assert (info.amount_minor, info.currency, info.status) == (
        4900,
        "USD",
        "requires_payment_method",
    )
    return info.id


async def test_our_idempotency_key_reaches_stripe_with_the_intent_parameters(
    stripe_gateway: StripeGateway, standin: StripeStandIn
) -> None:
    await _intent(stripe_gateway, "order:o-1:intent")
    [request] = standin.state.requests
    assert (request.method, request.path) == ("POST", "/v1/payment_intents")
    assert request.idempotency_key == "order:o-1:intent"
    assert request.params["amount"] == "4900"
    assert request.params["currency"] == "usd"
    assert request.params["customer"] == "cus_1"
    assert request.params["metadata[order_id]"] == "o-1"


async def test_a_replayed_key_returns_the_same_intent(
    stripe_gateway: StripeGateway, standin: StripeStandIn
) -> None:
    first = await _intent(stripe_gateway, "order:o-2:intent")
    assert await _intent(stripe_gateway, "order:o-2:intent") == first
    assert await _intent(stripe_gateway, "order:o-3:intent") != first
    assert standin.keys() == ["order:o-2:intent", "order:o-2:intent", "order:o-3:intent"]


async def test_refunds_and_customers_carry_our_keys(
    stripe_gateway: StripeGateway, standin: StripeStandIn
) -> None:
    refund = await stripe_gateway.refund(
        payment_intent_id="pi_1",
        amount_minor=1500,
        idempotency_key="refund:r-1",
        metadata={"refund_id": "r-1"},
    )
    again = await stripe_gateway.refund(
        payment_intent_id="pi_1",
        amount_minor=1500,
        idempotency_key="refund:r-1",
        metadata={"refund_id": "r-1"},
    )
    customer = await stripe_gateway.ensure_customer(
        user_id="u-1", email="ada@example.com", name="Ada", idempotency_key="user:u-1:customer"
    )
    assert (refund.status, refund.amount_minor) == ("succeeded", 1500)
    assert again == refund
    assert customer.startswith("cus_")
    assert standin.keys("/v1/refunds") == ["refund:r-1", "refund:r-1"]
    assert standin.keys("/v1/customers") == ["user:u-1:customer"]
    assert standin.state.requests[-1].params["metadata[user_id]"] == "u-1"


async def test_subscriptions_are_created_and_cancelled_with_our_keys(
    stripe_gateway: StripeGateway, standin: StripeStandIn
) -> None:
    sub = await stripe_gateway.create_subscription(
        customer_id="cus_1", price_id="price_pro", idempotency_key="sub:s-1", metadata={}
    )
    assert sub.status == "incomplete"
    assert sub.client_secret == "pi_sub_secret_standin"
    assert sub.current_period_start is not None
    assert sub.current_period_end is not None
    later = await stripe_gateway.cancel_subscription(
        subscription_id=sub.id, at_period_end=True, idempotency_key="sub:s-1:cancel-later"
    )
    assert later.cancel_at_period_end is True
    now = await stripe_gateway.cancel_subscription(
        subscription_id=sub.id, at_period_end=False, idempotency_key="sub:s-1:cancel"
    )
    assert now.status == "canceled"
    methods = [(r.method, r.path, r.idempotency_key) for r in standin.state.requests]
    assert methods == [
        ("POST", "/v1/subscriptions", "sub:s-1"),
        ("POST", f"/v1/subscriptions/{sub.id}", "sub:s-1:cancel-later"),
        ("DELETE", f"/v1/subscriptions/{sub.id}", "sub:s-1:cancel"),
    ]
    assert standin.state.requests[0].params["items[0][price]"] == "price_pro"


async def test_a_stripe_error_becomes_a_typed_provider_error(
    stripe_gateway: StripeGateway, standin: StripeStandIn
) -> None:
    standin.fail_next(400, "amount_too_large")
    with pytest.raises(PaymentProviderError) as caught:
        await stripe_gateway.refund(
            payment_intent_id="pi_1", amount_minor=10**9, idempotency_key="refund:big", metadata={}
        )
    assert caught.value.provider_code == "amount_too_large"
    assert caught.value.retryable is False
    assert caught.value.code == "PAYMENT_PROVIDER_ERROR"


async def test_an_unreachable_provider_is_a_retryable_error(settings: Settings) -> None:
    gateway = StripeGateway(
        settings.model_copy(
            update={"stripe_secret_key": "sk_test_x", "stripe_api_base": "http://127.0.0.1:9"}
        )
    )
    with pytest.raises(PaymentProviderError) as caught:
        await gateway.ensure_customer(
            user_id="u", email="u@example.com", name="U", idempotency_key="user:u:customer"
        )
    assert caught.value.retryable is True


async def _checkout(gateway: StripeGateway, key: str) -> str:
    info = await gateway.create_checkout_session(
        order_id="o-7",
        lines=[CheckoutLine("Python 101", 2000), CheckoutLine("Tax", 400)],
        currency="USD",
        customer_email="ada@example.com",
        success_url="http://localhost:3000/checkout/success",
        cancel_url="http://localhost:3000/checkout/cancel",
        metadata={"order_id": "o-7"},
        idempotency_key=key,
    )
    assert info.status == "open"
    assert info.url is not None
    return info.id


async def test_a_checkout_session_carries_our_key_lines_and_order_reference(
    stripe_gateway: StripeGateway, standin: StripeStandIn
) -> None:
    await _checkout(stripe_gateway, "order:o-7:checkout")
    [request] = standin.state.requests
    assert (request.path, request.idempotency_key) == (
        "/v1/checkout/sessions",
        "order:o-7:checkout",
    )
    params = request.params
    assert (params["mode"], params["client_reference_id"]) == ("payment", "o-7")
    assert params["line_items[0][price_data][unit_amount]"] == "2000"
    assert params["line_items[0][price_data][product_data][name]"] == "Python 101"
    assert params["line_items[1][price_data][unit_amount]"] == "400"
    assert params["line_items[0][price_data][currency]"] == "usd"
    assert params["metadata[order_id]"] == "o-7"
    assert params["payment_intent_data[metadata][order_id]"] == "o-7"
    assert params["customer_email"] == "ada@example.com"


async def test_a_replayed_checkout_key_returns_the_same_session(
    stripe_gateway: StripeGateway, standin: StripeStandIn
) -> None:
    first = await _checkout(stripe_gateway, "order:o-7:checkout")
    assert await _checkout(stripe_gateway, "order:o-7:checkout") == first
    assert standin.keys("/v1/checkout") == ["order:o-7:checkout", "order:o-7:checkout"]
