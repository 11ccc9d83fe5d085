"""A payment that buys nothing is refunded automatically and the buyer told (issue 9, item 1): a
course owned by the time the payment arrives, a second payment for an order paid already."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from app.catalog.models import PricingTier
from app.commerce.auto_refunds import TEMPLATE, issue_held_refunds
from app.commerce.models import (
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from app.db import Database
from app.integrations.payments import PaymentProviderError, RefundInfo, StripeGateway
from app.integrations.payments_local import PREFIX, LocalGateway
from app.learning.models import Enrollment, EnrollmentStatus
from app.notifications.models import EmailLog, Notification, NotificationType
from app.outbox import relay_once
from app.settings import Settings
from tests.support.catalog import enroll, person
from tests.support.coupons import paid_course
from tests.support.orders import (
    FAILED,
    SUCCEEDED,
    Bought,
    add,
    checkout,
    count,
    deliver,
    order_row,
    paid_event,
    pay,
    rows,
    two_orders_for_one_course,
)
from tests.support.stripe_standin import StripeStandIn


async def issue(
    database: Database, gateway: Any, settings: Settings, *intent_ids: str | None
) -> int:
    ids = [i for i in intent_ids if i is not None]
    return await issue_held_refunds(database, gateway, settings, intent_ids=ids)


async def refunded_at_provider(gateway: LocalGateway, intent_id: str | None) -> int:
    return int(await gateway.redis.get(f"{PREFIX}refunded:{intent_id}") or 0)


async def mails(database: Database) -> list[EmailLog]:
    return await rows(database, EmailLog, EmailLog.template == TEMPLATE)


# --- a course owned by the time the payment arrives ---------------------------------------------


async def test_a_late_payment_for_a_course_owned_meanwhile_is_refunded_and_the_buyer_told(
    database: Database, gateway: LocalGateway, settings: Settings
) -> None:
    bought = await two_orders_for_one_course(database, gateway)
    await pay(database, gateway, bought.second)

    await pay(database, gateway, bought.first)  # the first tab pays late
    assert await issue(database, gateway, settings, bought.first.payment_intent_id) == 1

    late = await order_row(database, bought.first.id)
    assert (late.status, late.refunded_minor) == (OrderStatus.REFUNDED, 2000)
    [refund] = await rows(database, Refund)
    assert (refund.status, refund.amount_minor) == (RefundStatus.SUCCEEDED, 2000)
    assert refund.provider_refund_id is not None
    assert await gateway.get_object(refund.provider_refund_id) is not None
    assert await refunded_at_provider(gateway, bought.first.payment_intent_id) == 2000
    [access] = await rows(database, Enrollment)
    assert (access.status, access.order_id) == (EnrollmentStatus.ACTIVE, bought.second.id)
    assert (access.pricing_tier, access.source.value) == (PricingTier.PRO, "purchase")
    [mail] = await mails(database)
    assert mail.recipient == bought.buyer.email
    assert mail.context["lines"] == [{"title": bought.course.title, "amount": "USD 20.00"}]
    assert (mail.context["total"], mail.context["order_number"]) == (
        "USD 20.00",
        str(late.number),
    )
    told = await rows(
        database, Notification, Notification.type == NotificationType.REFUND_PROCESSED
    )
    assert len(told) == 1


async def test_held_refunds_are_issued_once_however_often_asked(
    database: Database, gateway: LocalGateway, settings: Settings
) -> None:
    bought = await two_orders_for_one_course(database, gateway)
    await pay(database, gateway, bought.second)
    await pay(database, gateway, bought.first)
    intent = bought.first.payment_intent_id

    issued = await asyncio.gather(
        *(issue(database, gateway, settings, intent) for _ in range(3)), return_exceptions=True
    )
    await issue(database, gateway, settings, intent)  # whatever failed, retried

    assert sum(n for n in issued if isinstance(n, int)) <= 1
    assert all(
        isinstance(n, int) or (isinstance(n, PaymentProviderError) and n.retryable) for n in issued
    )
    assert await refunded_at_provider(gateway, intent) == 2000
    assert len(await mails(database)) == 1
    assert await count(database, Refund) == 1


async def test_only_the_course_owned_already_is_refunded_from_an_order_of_two(
    database: Database, gateway: LocalGateway, settings: Settings
) -> None:
    buyer = await person(database)
    owned, wanted = await paid_course(database, prices=(2000,)), await paid_course(database)
    await add(database, buyer, owned)
    await add(database, buyer, wanted)
    both = await checkout(database, gateway, buyer, key="both")
    await enroll(database, buyer.id, owned.id)  # opened meanwhile (another order, a subscription)

    await pay(database, gateway, both.order)
    await issue(database, gateway, settings, both.order.payment_intent_id)

    order = await order_row(database, both.order.id)
    assert (order.status, order.refunded_minor) == (OrderStatus.PARTIALLY_REFUNDED, 2000)
    enrolled = {e.course_id: e for e in await rows(database, Enrollment)}
    assert enrolled[wanted.id].order_id == both.order.id
    assert enrolled[owned.id].order_id != both.order.id
    assert {e.status for e in enrolled.values()} == {EnrollmentStatus.ACTIVE}
    [mail] = await mails(database)
    assert [line["title"] for line in mail.context["lines"]] == [owned.title]


# --- a second payment for one order -------------------------------------------------------------


async def settled_intent(
    gateway: LocalGateway, order: Order, key: str, *, succeeded: bool = True
) -> dict[str, Any]:
    """Another intent for the order (a hosted checkout's), paid (or declined)."""
    made = await gateway.create_payment_intent(
        amount_minor=order.total_minor,
        currency=order.currency,
        customer_id=None,
        metadata={"order_id": str(order.id)},
        idempotency_key=key,
    )
    return await gateway.complete_intent(made.id, succeeded=succeeded)


def completed_session(order: Order, intent: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"cs_{intent['id']}",
        "object": "checkout.session",
        "payment_status": "paid",
        "client_reference_id": str(order.id),
        "payment_intent": intent["id"],
        "amount_total": intent["amount"],
        "currency": intent["currency"],
    }


async def test_a_hosted_checkout_completing_after_the_order_was_paid_is_refunded_in_full(
    database: Database, gateway: LocalGateway, settings: Settings
) -> None:
    buyer, course = await person(database), await paid_course(database)
    await add(database, buyer, course)
    order = (await checkout(database, gateway, buyer)).order
    await pay(database, gateway, order)
    late = await settled_intent(gateway, order, "hosted")

    await deliver(database, "checkout.session.completed", completed_session(order, late))
    await deliver(database, SUCCEEDED, late)  # Stripe sends both for a hosted payment
    assert await issue(database, gateway, settings, late["id"]) == 1

    kept = await order_row(database, order.id)
    assert (kept.status, kept.refunded_minor, kept.payment_intent_id) == (
        OrderStatus.PAID,
        0,
        order.payment_intent_id,
    )
    second = (await rows(database, Payment, Payment.provider_payment_id == late["id"]))[0]
    assert (second.status, second.amount_refunded_minor) == (PaymentStatus.REFUNDED, 2000)
    [refund] = await rows(database, Refund)
    assert (refund.payment_id, refund.status) == (second.id, RefundStatus.SUCCEEDED)
    assert await refunded_at_provider(gateway, late["id"]) == 2000
    assert await refunded_at_provider(gateway, order.payment_intent_id) == 0
    [mail] = await mails(database)
    assert mail.context["lines"] == [
        {"title": f"A second payment for order #{kept.number}", "amount": "USD 20.00"}
    ]
    [access] = await rows(database, Enrollment)
    assert (access.status, access.order_id) == (EnrollmentStatus.ACTIVE, order.id)


async def test_the_orders_own_intent_succeeding_after_a_hosted_checkout_paid_it_is_refunded(
    database: Database, gateway: LocalGateway, settings: Settings
) -> None:
    buyer, course = await person(database), await paid_course(database)
    await add(database, buyer, course)
    order = (await checkout(database, gateway, buyer)).order
    hosted = await settled_intent(gateway, order, "hosted")
    await deliver(database, "checkout.session.completed", completed_session(order, hosted))
    assert (await order_row(database, order.id)).payment_intent_id == hosted["id"]

    assert order.payment_intent_id is not None
    own = await gateway.complete_intent(order.payment_intent_id, succeeded=True)
    await deliver(database, SUCCEEDED, own)
    await issue(database, gateway, settings, own["id"])

    assert await refunded_at_provider(gateway, own["id"]) == 2000
    assert await refunded_at_provider(gateway, hosted["id"]) == 0
    paid = await order_row(database, order.id)
    assert (paid.status, paid.refunded_minor) == (OrderStatus.PAID, 0)


async def test_a_failure_of_an_intent_the_order_does_not_name_leaves_the_order_alone(
    database: Database, gateway: LocalGateway
) -> None:
    buyer, course = await person(database), await paid_course(database)
    await add(database, buyer, course)
    order = (await checkout(database, gateway, buyer)).order
    declined = await settled_intent(gateway, order, "hosted", succeeded=False)

    await deliver(database, FAILED, declined)

    assert (await order_row(database, order.id)).status == OrderStatus.REQUIRES_PAYMENT


# --- provider failures --------------------------------------------------------------------------


@dataclass
class Refunds:
    """The local gateway's refunds, failing as told."""

    inner: LocalGateway
    error: Exception | None = None
    after: bool = False  # fail after the provider refunded
    calls: list[str] = field(default_factory=list)

    async def refund(self, **kwargs: Any) -> RefundInfo:
        self.calls.append(kwargs["idempotency_key"])
        if self.error is not None and not self.after:
            raise self.error
        answer = await self.inner.refund(**kwargs)
        if self.error is not None:
            raise self.error
        return answer


async def held(database: Database, gateway: LocalGateway) -> Bought:
    """The issue's two orders, both paid: the first one's item is held for a refund."""
    bought = await two_orders_for_one_course(database, gateway)
    await pay(database, gateway, bought.second)
    await pay(database, gateway, bought.first)
    return bought


async def test_a_failure_after_the_provider_refunded_is_retried_without_a_second_refund(
    database: Database, gateway: LocalGateway, settings: Settings
) -> None:
    bought = await held(database, gateway)
    intent = bought.first.payment_intent_id
    dropped = Refunds(gateway, ConnectionResetError("dropped"), after=True)

    with pytest.raises(ConnectionResetError):
        await issue(database, dropped, settings, intent)
    [waiting] = await rows(database, Refund)
    assert (waiting.status, waiting.provider_refund_id) == (RefundStatus.PENDING, None)

    assert await issue(database, gateway, settings, intent) == 1

    assert await refunded_at_provider(gateway, intent) == 2000
    assert (await rows(database, Refund))[0].status == RefundStatus.SUCCEEDED
    assert len(await mails(database)) == 1


async def test_a_provider_outage_leaves_the_refund_held_for_the_retry(
    database: Database, gateway: LocalGateway, settings: Settings
) -> None:
    bought = await held(database, gateway)
    down = Refunds(gateway, PaymentProviderError("down", provider_code="api", retryable=True))

    with pytest.raises(PaymentProviderError):
        await issue(database, down, settings, bought.first.payment_intent_id)

    [waiting] = await rows(database, Refund)
    assert (waiting.status, waiting.provider_refund_id) == (RefundStatus.PENDING, None)
    assert await mails(database) == []


async def test_a_refusal_marks_the_refund_failed_and_tells_nobody(
    database: Database, gateway: LocalGateway, settings: Settings
) -> None:
    bought = await held(database, gateway)
    refused = Refunds(gateway, PaymentProviderError("no", provider_code="charge_disputed"))

    assert await issue(database, refused, settings, bought.first.payment_intent_id) == 0

    [failed] = await rows(database, Refund)
    assert failed.status == RefundStatus.FAILED
    assert failed.failure_reason is not None
    assert failed.failure_reason.startswith("charge_disputed")
    assert await mails(database) == []
    assert (await order_row(database, bought.first.id)).status == OrderStatus.PAID
    assert await issue(database, gateway, settings, bought.first.payment_intent_id) == 0


# --- through the worker -------------------------------------------------------------------------


async def test_the_worker_refunds_a_late_payment_and_mails_the_buyer(
    database: Database, gateway: LocalGateway, worker: Any
) -> None:
    from workers.broker import broker
    from workers.relay import dispatch

    broker.flush_all()
    bought = await two_orders_for_one_course(database, gateway)
    await pay(database, gateway, bought.second)
    await relay_once(database, dispatch)  # what paying the second order emitted
    await asyncio.to_thread(broker.join, "default", timeout=20_000)

    await paid_event(database, gateway, bought.first)  # stored + outbox, as the webhook route does
    await relay_once(database, dispatch)
    await asyncio.to_thread(broker.join, "default", timeout=20_000)

    late = await order_row(database, bought.first.id)
    assert (late.status, late.refunded_minor) == (OrderStatus.REFUNDED, 2000)
    assert await refunded_at_provider(gateway, bought.first.payment_intent_id) == 2000
    [mail] = await mails(database)
    assert mail.recipient == bought.buyer.email


# --- through the Stripe client ------------------------------------------------------------------


async def test_the_stripe_client_refunds_with_our_key(
    database: Database,
    gateway: LocalGateway,
    settings: Settings,
    stripe_gateway: StripeGateway,
    standin: StripeStandIn,
) -> None:
    bought = await held(database, gateway)

    assert await issue(database, stripe_gateway, settings, bought.first.payment_intent_id) == 1

    [refund] = await rows(database, Refund)
    [request] = standin.state.requests
    assert (request.path, request.idempotency_key) == ("/v1/refunds", f"refund:{refund.id}")
    assert request.params["payment_intent"] == bought.first.payment_intent_id
    assert request.params["amount"] == "2000"
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.provider_refund_id is not None
    assert refund.provider_refund_id.startswith("re_")
    assert len(await mails(database)) == 1


async def test_a_refusal_from_stripe_is_kept_on_the_refund(
    database: Database,
    gateway: LocalGateway,
    settings: Settings,
    stripe_gateway: StripeGateway,
    standin: StripeStandIn,
) -> None:
    bought = await held(database, gateway)
    standin.fail_next(400, "charge_disputed")

    assert await issue(database, stripe_gateway, settings, bought.first.payment_intent_id) == 0

    [refund] = await rows(database, Refund)
    assert refund.status == RefundStatus.FAILED
    assert refund.failure_reason is not None
    assert refund.failure_reason.startswith("charge_disputed")
