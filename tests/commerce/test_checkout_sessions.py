"""Stripe Checkout Sessions (issue 5): createCheckoutSession opens a hosted payment page for the
caller's own unpaid order (redirects only back to our site), and `checkout.session.completed`
pays the order once, whichever payment events also arrive."""

from __future__ import annotations

from typing import Any

import pytest

from app.accounts.models import User
from app.commerce import checkout as checkout_service
from app.commerce.events import handle_payment_event
from app.commerce.models import Order, OrderStatus, Payment, PaymentProvider, PaymentStatus
from app.db import Database
from app.errors import Conflict
from app.integrations.payments import PaymentGateway, StripeGateway
from app.integrations.payments_local import LocalGateway
from app.learning.models import Enrollment
from app.settings import Settings
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient
from tests.support.orders import (
    count,
    enrollments_of,
    intent_object,
    order_row,
    paid_event,
    pending_order,
    rows,
    stored,
)
from tests.support.stripe_standin import StripeStandIn

FIELDS = "sessionId checkoutUrl"


async def create_session(
    client: GraphQLClient, user: User, order_id: str, **urls: str
) -> dict[str, Any]:
    outcome = await client.mutate(
        "createCheckoutSession",
        {"orderId": order_id, **urls},
        FIELDS,
        token=token_for(client, user),
    )
    return {"payload": (outcome.data or {}).get("createCheckoutSession"), "codes": outcome.codes}


async def session_payload(client: GraphQLClient, user: User, order: Order) -> dict[str, Any]:
    result = await create_session(client, user, gid("Order", order.id))
    payload: dict[str, Any] = result["payload"]
    assert payload["errors"] == []
    return payload


async def completed_event(
    database: Database, gateway: PaymentGateway, order: Order, **overrides: Any
) -> Any:
    """Store the `checkout.session.completed` Stripe sends once the hosted page is paid."""
    intent = await intent_object(gateway, order)
    session = {
        "id": "cs_test_1",
        "object": "checkout.session",
        "status": "complete",
        "payment_status": "paid",
        "client_reference_id": str(order.id),
        "payment_intent": intent["id"],
        "amount_total": order.total_minor,
        "currency": order.currency.lower(),
        **overrides,
    }
    return await stored(database, "checkout.session.completed", session)


# --- createCheckoutSession ---------------------------------------------------------------------


async def test_the_owner_gets_a_hosted_checkout_page_for_an_unpaid_order(
    client: GraphQLClient, database: Database, gateway: PaymentGateway, settings: Settings
) -> None:
    order, buyer, _ = await pending_order(database, gateway)

    payload = await session_payload(client, buyer, order)

    assert payload["sessionId"].startswith("cs_local_")
    assert payload["checkoutUrl"] == (
        f"{settings.frontend_url}/checkout/local?session={payload['sessionId']}"
    )
    [payment] = await rows(database, Payment)
    assert payment.metadata_["checkout_session_id"] == payload["sessionId"]


async def test_the_session_sends_the_buyer_back_to_our_site_by_default(
    client: GraphQLClient, database: Database, gateway: PaymentGateway, settings: Settings
) -> None:
    order, buyer, _ = await pending_order(database, gateway)

    payload = await session_payload(client, buyer, order)

    assert isinstance(gateway, LocalGateway)
    session = await gateway.get_object(payload["sessionId"])
    assert session is not None
    assert session["success_url"] == f"{settings.frontend_url}/checkout/success?order={order.id}"
    assert session["cancel_url"] == f"{settings.frontend_url}/checkout/cancel?order={order.id}"
    assert session["client_reference_id"] == str(order.id)
    assert session["amount_total"] == order.total_minor
    assert session["customer_email"] == buyer.email


async def test_a_replay_returns_the_same_session(
    client: GraphQLClient, database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)

    first = await session_payload(client, buyer, order)
    again = await session_payload(client, buyer, order)

    assert again == first
    assert await count(database, Payment) == 1


async def test_someone_elses_order_is_not_found(
    client: GraphQLClient, database: Database, gateway: PaymentGateway
) -> None:
    order, _, _ = await pending_order(database, gateway)
    stranger = await person(database)

    result = await create_session(client, stranger, gid("Order", order.id))

    assert result["codes"] == ["NOT_FOUND"]
    [payment] = await rows(database, Payment)
    assert "checkout_session_id" not in payment.metadata_


async def test_a_paid_order_is_not_payable_again(
    client: GraphQLClient, database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    await handle_payment_event(
        database, payment_event_id=await paid_event(database, gateway, order)
    )

    result = await create_session(client, buyer, gid("Order", order.id))

    [error] = result["payload"]["errors"]
    assert (error["field"], error["code"]) == ("orderId", "ORDER_NOT_PAYABLE")


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("successUrl", "https://evil.example/phish"),
        ("cancelUrl", "//evil.example/phish"),
        ("successUrl", "javascript:alert(1)"),
        ("successUrl", "http://localhost:3000@evil.example/"),
        ("cancelUrl", "http://localhost:3001/checkout"),
    ],
)
async def test_redirects_off_our_site_are_refused(
    client: GraphQLClient, database: Database, gateway: PaymentGateway, field: str, url: str
) -> None:
    order, buyer, _ = await pending_order(database, gateway)

    result = await create_session(client, buyer, gid("Order", order.id), **{field: url})

    [error] = result["payload"]["errors"]
    assert (error["field"], error["code"]) == (field, "INVALID_REDIRECT")
    assert result["payload"]["sessionId"] is None
    [payment] = await rows(database, Payment)
    assert "checkout_session_id" not in payment.metadata_


async def test_redirects_on_our_site_are_kept(
    client: GraphQLClient, database: Database, gateway: PaymentGateway, settings: Settings
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    success = f"{settings.frontend_url}/thanks?session={{CHECKOUT_SESSION_ID}}"

    result = await create_session(client, buyer, gid("Order", order.id), successUrl=success)

    assert isinstance(gateway, LocalGateway)
    session = await gateway.get_object(result["payload"]["sessionId"])
    assert session is not None
    assert session["success_url"] == success


# --- checkout.session.completed ----------------------------------------------------------------


async def test_a_paid_checkout_session_pays_the_order_and_enrolls_once(
    database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, courses = await pending_order(database, gateway)

    await handle_payment_event(
        database, payment_event_id=await completed_event(database, gateway, order)
    )

    paid = await order_row(database, order.id)
    assert paid.status == OrderStatus.PAID
    assert {e.course_id for e in await enrollments_of(database, buyer)} == {c.id for c in courses}
    [payment] = await rows(database, Payment)
    assert payment.status == PaymentStatus.SUCCEEDED


async def test_a_later_payment_intent_succeeded_changes_nothing(
    database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    await handle_payment_event(
        database, payment_event_id=await completed_event(database, gateway, order)
    )
    paid_at = (await order_row(database, order.id)).paid_at

    assert await handle_payment_event(
        database, payment_event_id=await paid_event(database, gateway, order)
    )

    after = await order_row(database, order.id)
    assert (after.status, after.paid_at) == (OrderStatus.PAID, paid_at)
    assert await count(database, Enrollment, Enrollment.student_id == buyer.id) == 2


async def test_a_duplicate_completed_session_event_changes_nothing(
    database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    await handle_payment_event(
        database, payment_event_id=await completed_event(database, gateway, order)
    )
    paid_at = (await order_row(database, order.id)).paid_at

    await handle_payment_event(
        database, payment_event_id=await completed_event(database, gateway, order)
    )

    assert (await order_row(database, order.id)).paid_at == paid_at
    assert await count(database, Enrollment, Enrollment.student_id == buyer.id) == 2


async def test_an_unpaid_completed_session_leaves_the_order_unpaid(
    database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)

    await handle_payment_event(
        database,
        payment_event_id=await completed_event(database, gateway, order, payment_status="unpaid"),
    )

    assert (await order_row(database, order.id)).status == OrderStatus.REQUIRES_PAYMENT
    assert await enrollments_of(database, buyer) == []


async def test_the_sessions_own_intent_becomes_the_orders_so_refunds_reach_the_charge(
    database: Database, gateway: PaymentGateway
) -> None:
    order, _, _ = await pending_order(database, gateway)

    await handle_payment_event(
        database,
        payment_event_id=await completed_event(
            database, gateway, order, payment_intent="pi_from_checkout"
        ),
    )

    paid = await order_row(database, order.id)
    [payment] = await rows(database, Payment)
    assert (paid.payment_intent_id, payment.provider_payment_id) == (
        "pi_from_checkout",
        "pi_from_checkout",
    )


async def test_the_service_refuses_an_order_that_failed(
    database: Database, gateway: PaymentGateway
) -> None:
    order, buyer, _ = await pending_order(database, gateway)
    await handle_payment_event(
        database, payment_event_id=await paid_event(database, gateway, order, succeeded=False)
    )

    with pytest.raises(Conflict) as caught:
        async with database.transaction() as session:
            await checkout_service.create_checkout_session(
                session,
                gateway,
                user_id=buyer.id,
                order_id=order.id,
                frontend_url="http://localhost:3000",
                provider=PaymentProvider.LOCAL,
            )

    assert [e.code for e in caught.value.errors] == ["ORDER_NOT_PAYABLE"]
    assert await count(database, Payment, Payment.metadata_.has_key("checkout_session_id")) == 0


async def test_our_checkout_key_reaches_stripe_and_a_replay_reuses_the_session(
    database: Database, settings: Settings, standin: StripeStandIn, stripe_gateway: StripeGateway
) -> None:
    order, buyer, _ = await pending_order(database, stripe_gateway)

    async def open_session() -> checkout_service.CheckoutSession:
        async with database.transaction() as session:
            return await checkout_service.create_checkout_session(
                session,
                stripe_gateway,
                user_id=buyer.id,
                order_id=order.id,
                frontend_url=settings.frontend_url,
                provider=PaymentProvider.STRIPE,
            )

    first, again = await open_session(), await open_session()

    assert again == first
    assert standin.keys("/v1/checkout") == [f"order:{order.id}:checkout"]
    [request] = [r for r in standin.state.requests if r.path == "/v1/checkout/sessions"]
    assert request.params["client_reference_id"] == str(order.id)
    assert request.params["payment_intent_data[metadata][order_id]"] == str(order.id)
