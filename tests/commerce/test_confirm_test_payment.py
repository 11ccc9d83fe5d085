"""confirmTestPayment (development only): the order's payment settles and the signed provider
event goes through the webhook route's verification into payment_events + the outbox."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import UserRole
from app.commerce.models import PaymentEvent
from app.db import Database
from app.integrations.payments import CheckoutLine
from app.integrations.payments_local import LocalGateway
from tests.support.authoring import user
from tests.support.catalog import gid, token_for
from tests.support.graphql import GraphQLClient, with_settings
from tests.support.payments import order_with_intent, stored_counts

FIELDS = "eventId eventType paymentIntentId"


async def _confirm(client: GraphQLClient, token: str | None, order_id: str, outcome: str) -> dict:
    outcome_ = await client.mutate(
        "confirmTestPayment", {"orderId": order_id, "outcome": outcome}, FIELDS, token=token
    )
    return {"data": outcome_.data, "codes": outcome_.codes}


async def _events(database: Database) -> list[PaymentEvent]:
    async with database.session() as session:
        return list(await session.scalars(select(PaymentEvent)))


async def test_a_successful_test_payment_delivers_a_signed_succeeded_event(
    client: GraphQLClient, database: Database, gateway: LocalGateway
) -> None:
    buyer = await user(database, UserRole.STUDENT)
    order = await order_with_intent(database, gateway, buyer, total_minor=4900)
    result = await _confirm(client, token_for(client, buyer), gid("Order", order.id), "SUCCEEDED")
    payload = result["data"]["confirmTestPayment"]
    assert payload["errors"] == []
    assert payload["eventType"] == "payment_intent.succeeded"
    assert payload["paymentIntentId"] == order.payment_intent_id
    [event] = await _events(database)
    assert event.provider_event_id == payload["eventId"]
    intent = event.payload["data"]["object"]
    assert (intent["id"], intent["status"], intent["amount"]) == (
        order.payment_intent_id,
        "succeeded",
        4900,
    )
    assert intent["metadata"] == {"order_id": str(order.id)}
    assert await stored_counts(database) == (1, 1)
    stored = await gateway.get_object(str(order.payment_intent_id))
    assert stored is not None
    assert stored["status"] == "succeeded"


async def test_a_failed_test_payment_delivers_a_payment_failed_event(
    client: GraphQLClient, database: Database, gateway: LocalGateway
) -> None:
    buyer = await user(database, UserRole.STUDENT)
    order = await order_with_intent(database, gateway, buyer)
    result = await _confirm(client, token_for(client, buyer), gid("Order", order.id), "FAILED")
    assert result["data"]["confirmTestPayment"]["eventType"] == "payment_intent.payment_failed"
    [event] = await _events(database)
    error = event.payload["data"]["object"]["last_payment_error"]
    assert error["code"] == "card_declined"


async def test_a_paid_intent_cannot_be_confirmed_again(
    client: GraphQLClient, database: Database, gateway: LocalGateway
) -> None:
    buyer = await user(database, UserRole.STUDENT)
    order = await order_with_intent(database, gateway, buyer)
    token = token_for(client, buyer)
    await _confirm(client, token, gid("Order", order.id), "SUCCEEDED")
    again = await _confirm(client, token, gid("Order", order.id), "SUCCEEDED")
    [error] = again["data"]["confirmTestPayment"]["errors"]
    assert (error["field"], error["code"]) == ("orderId", "PAYMENT_ALREADY_SETTLED")
    assert await stored_counts(database) == (1, 1)


async def test_someone_elses_order_is_not_found(
    client: GraphQLClient, database: Database, gateway: LocalGateway
) -> None:
    buyer = await user(database, UserRole.STUDENT)
    stranger = await user(database, UserRole.STUDENT)
    order = await order_with_intent(database, gateway, buyer)
    result = await _confirm(
        client, token_for(client, stranger), gid("Order", order.id), "SUCCEEDED"
    )
    assert result["codes"] == ["NOT_FOUND"]
    assert await stored_counts(database) == (0, 0)


async def test_anonymous_callers_are_refused(
    client: GraphQLClient, database: Database, gateway: LocalGateway
) -> None:
    buyer = await user(database, UserRole.STUDENT)
    order = await order_with_intent(database, gateway, buyer)
    result = await _confirm(client, None, gid("Order", order.id), "SUCCEEDED")
    assert result["codes"] == ["UNAUTHENTICATED"]


async def test_refused_with_the_stripe_backend(
    client: GraphQLClient, database: Database, gateway: LocalGateway
) -> None:
    buyer = await user(database, UserRole.STUDENT)
    order = await order_with_intent(database, gateway, buyer)
    stripe_client = with_settings(client, payments_backend="stripe", stripe_secret_key="sk_test_x")
    result = await _confirm(
        stripe_client, token_for(client, buyer), gid("Order", order.id), "SUCCEEDED"
    )
    assert result["codes"] == ["FORBIDDEN"]
    assert await stored_counts(database) == (0, 0)


async def test_refused_in_production(
    client: GraphQLClient, database: Database, gateway: LocalGateway
) -> None:
    buyer = await user(database, UserRole.STUDENT)
    order = await order_with_intent(database, gateway, buyer)
    production = with_settings(client, env="production")
    result = await _confirm(
        production, token_for(client, buyer), gid("Order", order.id), "SUCCEEDED"
    )
    assert result["codes"] == ["FORBIDDEN"]
    assert await stored_counts(database) == (0, 0)
    stored = await gateway.get_object(str(order.payment_intent_id))
    assert stored is not None
    assert stored["status"] == "requires_payment_method"


async def test_the_order_is_named_by_its_global_id_only(
    client: GraphQLClient, database: Database, gateway: LocalGateway
) -> None:
    buyer = await user(database, UserRole.STUDENT)
    order = await order_with_intent(database, gateway, buyer)
    result = await _confirm(client, token_for(client, buyer), str(order.id), "SUCCEEDED")
    assert result["codes"] == ["NOT_FOUND"]
    assert await stored_counts(database) == (0, 0)


async def test_the_stand_ins_refusals_are_documented_codes(
    client: GraphQLClient, database: Database, gateway: LocalGateway
) -> None:
    buyer = await user(database, UserRole.STUDENT)
    order = await order_with_intent(database, gateway, buyer)
    await gateway.redis.delete(f"payments:local:obj:{order.payment_intent_id}")
    result = await _confirm(client, token_for(client, buyer), gid("Order", order.id), "SUCCEEDED")
    [error] = result["data"]["confirmTestPayment"]["errors"]
    assert (error["field"], error["code"]) == ("orderId", "PAYMENT_UNKNOWN")


async def test_an_order_with_a_checkout_session_gets_a_completed_session_event(
    client: GraphQLClient, database: Database, gateway: LocalGateway
) -> None:
    buyer = await user(database, UserRole.STUDENT)
    order = await order_with_intent(database, gateway, buyer, total_minor=4900)
    opened = await gateway.create_checkout_session(
        order_id=str(order.id),
        lines=[CheckoutLine("Course", 4900)],
        currency="USD",
        customer_email=None,
        success_url="http://localhost:3000/ok",
        cancel_url="http://localhost:3000/no",
        metadata={"order_id": str(order.id)},
        idempotency_key=f"order:{order.id}:checkout",
    )
    result = await _confirm(client, token_for(client, buyer), gid("Order", order.id), "SUCCEEDED")
    payload = result["data"]["confirmTestPayment"]
    assert payload["eventType"] == "checkout.session.completed"
    [event] = await _events(database)
    session = event.payload["data"]["object"]
    assert (session["id"], session["status"], session["payment_status"]) == (
        opened.id,
        "complete",
        "paid",
    )
    assert session["client_reference_id"] == str(order.id)
    assert session["payment_intent"] == order.payment_intent_id
    assert await stored_counts(database) == (1, 1)
