"""Deliveries: an event becomes one signed POST per subscribed webhook, with the payload of its
subscription query run as the owner; failures are retried with exponential backoff and recorded;
a failing endpoint is paused by the circuit breaker and resumed; redelivery; DNS rebinding."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.clock import frozen
from app.db import Database
from app.integrations.payments_local import LocalGateway
from app.outbox import OutboxEvent, relay_once
from app.security.permissions import Actor
from app.settings import Settings
from app.webhooks import service
from app.webhooks.delivery import deliver, fan_out
from app.webhooks.events import WEBHOOK_TOPIC, emit_event
from app.webhooks.models import DeliveryStatus, Webhook, WebhookEvent, WebhookStatus
from tests.support.catalog import gid, person
from tests.support.orders import order_row, pay, pending_order
from tests.support.webhooks import Receiver, create, deliveries, webhook_row

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TYPENAME_ONLY = "subscription { webhookEvent { __typename } }"


async def outbox_events(database: Database, topic: str = WEBHOOK_TOPIC) -> list[OutboxEvent]:
    async with database.session() as session:
        stmt = select(OutboxEvent).where(OutboxEvent.topic == topic).order_by(OutboxEvent.id)
        return list(await session.scalars(stmt))


async def fan_out_all(database: Database) -> list[uuid.UUID]:
    queued: list[uuid.UUID] = []
    for event in await outbox_events(database):
        queued += await fan_out(database, event.id, event.payload)
    return queued


async def an_event(database: Database, owner_hook_event: WebhookEvent, **ids: Any) -> None:
    async with database.transaction() as session:
        await emit_event(session, owner_hook_event, **ids)


async def one_delivery(
    database: Database, settings: Settings, hooks: Receiver, query: str = TYPENAME_ONLY
) -> tuple[User, Webhook, uuid.UUID]:
    """An admin's webhook on user registered at `hooks`, and the delivery of one such event."""
    admin = await person(database, UserRole.ADMIN)
    webhook = await create(
        database, settings, admin, hooks.url(), [WebhookEvent.USER_REGISTERED], query
    )
    await an_event(database, WebhookEvent.USER_REGISTERED, user_id=admin.id)
    [delivery_id] = await fan_out_all(database)
    return admin, webhook, delivery_id


async def test_an_order_paid_is_delivered_once_signed_with_the_payload_of_the_query(
    database: Database,
    redis_client: Redis,
    webhook_settings: Settings,
    gateway: LocalGateway,
    hooks: Receiver,
    worker: Any,
) -> None:
    from workers.broker import broker
    from workers.relay import dispatch

    admin = await person(database, UserRole.ADMIN)
    webhook = await create(
        database, webhook_settings, admin, hooks.url(), [WebhookEvent.ORDER_PAID]
    )
    order, _, _ = await pending_order(database, gateway)
    broker.flush_all()
    await pay(database, gateway, order)  # paid: the event is in the outbox with the change

    for _ in range(3):  # outbox → fan-out actor → delivery actor
        await relay_once(database, dispatch)
        await asyncio.to_thread(broker.join, "default", timeout=20_000)

    [received] = hooks.received
    assert received.verified  # the documented HMAC over "<t>.<body>" with the secret
    [delivery] = await deliveries(database, webhook.id)
    assert received.headers["x-easyways-event"] == "order_paid"
    assert received.headers["x-easyways-delivery"] == str(delivery.id)
    assert received.headers["x-easyways-webhook"] == str(webhook.id)
    assert received.headers["content-type"] == "application/json"
    paid = await order_row(database, order.id)
    assert received.json == {
        "webhookEvent": {
            "__typename": "OrderPaid",
            "occurredAt": received.json["webhookEvent"]["occurredAt"],
            "order": {
                "id": gid("Order", order.id),
                "total": {"amount": f"{paid.total_minor / 100:.2f}", "currency": paid.currency},
            },
        }
    }
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert (delivery.attempts, delivery.response_status) == (1, 200)
    assert delivery.body == received.body.decode()
    assert delivery.latency_ms is not None
    assert delivery.delivered_at is not None


async def test_the_worker_retries_a_failed_attempt_after_its_backoff(
    database: Database, webhook_settings: Settings, hooks: Receiver, worker: Any
) -> None:
    from workers.broker import broker
    from workers.relay import dispatch

    answers = iter([502, 200])
    hooks.answer = lambda: next(answers)
    admin = await person(database, UserRole.ADMIN)
    webhook = await create(
        database,
        webhook_settings,
        admin,
        hooks.url(),
        [WebhookEvent.USER_REGISTERED],
        "subscription { webhookEvent { __typename } }",
    )
    broker.flush_all()
    webhook_settings.webhook_retry_base_seconds = 1.0
    await an_event(database, WebhookEvent.USER_REGISTERED, user_id=admin.id)
    await relay_once(database, dispatch)
    await asyncio.to_thread(broker.join, "default", timeout=20_000)
    assert len(hooks.received) == 1
    # the retry waits in the outbox, written with the failure, until its backoff has passed
    assert await relay_once(database, dispatch) == 0
    await asyncio.sleep(1.2)
    assert await relay_once(database, dispatch) == 1
    await asyncio.to_thread(broker.join, "default", timeout=20_000)

    assert [r.verified for r in hooks.received] == [True, True]
    assert hooks.received[0].body == hooks.received[1].body
    [delivery] = await deliveries(database, webhook.id)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.SUCCEEDED,
        2,
        200,
    )


async def test_failures_are_retried_with_exponential_backoff_then_recorded_as_failed(
    database: Database, redis_client: Redis, webhook_settings: Settings, hooks: Receiver
) -> None:
    hooks.status = 503
    _admin, webhook, delivery_id = await one_delivery(
        database,
        webhook_settings,
        hooks,
        "subscription { webhookEvent { ... on UserRegistered { user { id } } } }",
    )

    delays = []
    with frozen(AT):
        for attempt in range(webhook_settings.webhook_max_attempts):
            delays.append(
                await deliver(
                    database, redis_client, webhook_settings, delivery_id, attempt=attempt
                )
            )
            if attempt == 0:
                [first] = await deliveries(database, webhook.id)
                assert first.status == DeliveryStatus.PENDING
                assert first.next_attempt_at == AT + timedelta(seconds=0.05)

    assert delays == [0.05, 0.1, 0.2, None]  # base * 2^(n-1), then given up
    # each retry was queued in the outbox with the failure that called for it
    retries = await outbox_events(database, service.DELIVER_TOPIC)
    assert [e.payload["attempt"] for e in retries] == [1, 2, 3]
    assert len(hooks.received) == 4
    assert all(r.verified for r in hooks.received)
    [delivery] = await deliveries(database, webhook.id)
    assert delivery.status == DeliveryStatus.FAILED
    assert (delivery.attempts, delivery.response_status, delivery.error) == (4, 503, "HTTP 503")
    assert delivery.response_body is not None
    assert len(delivery.response_body) <= 1024
    assert delivery.next_attempt_at is None


async def test_a_repeated_job_does_not_send_a_delivery_again(
    database: Database, redis_client: Redis, webhook_settings: Settings, hooks: Receiver
) -> None:
    _admin, webhook, delivery_id = await one_delivery(database, webhook_settings, hooks)
    assert await fan_out_all(database) == [delivery_id]  # a repeated fan-out adds none

    results = await asyncio.gather(
        *(
            deliver(database, redis_client, webhook_settings, delivery_id, attempt=0)
            for _ in range(3)
        )
    )
    assert results == [None, None, None]
    assert len(hooks.received) == 1
    [delivery] = await deliveries(database, webhook.id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)


async def test_the_circuit_breaker_pauses_a_failing_webhook_and_an_admin_resumes_it(
    database: Database, redis_client: Redis, webhook_settings: Settings, hooks: Receiver
) -> None:
    webhook_settings.webhook_failure_threshold = 3
    hooks.status = 500
    admin, webhook, first = await one_delivery(database, webhook_settings, hooks)
    for attempt in range(3):
        await deliver(database, redis_client, webhook_settings, first, attempt=attempt)
    paused = await webhook_row(database, webhook.id)
    assert (paused.status, paused.consecutive_failures) == (WebhookStatus.PAUSED, 3)
    assert paused.paused_at is not None

    # paused: no more deliveries are created or sent
    await an_event(database, WebhookEvent.USER_REGISTERED, user_id=admin.id)
    assert await fan_out_all(database) == []
    assert await deliver(database, redis_client, webhook_settings, first, attempt=3) is None
    assert len(hooks.received) == 3

    hooks.status = 200
    async with database.transaction() as session:
        resumed = await service.resume_webhook(
            session, actor=Actor.of(admin), webhook_id=webhook.id
        )
    assert (resumed.status, resumed.consecutive_failures) == (WebhookStatus.ACTIVE, 0)
    # attempts 1 and 2 were queued with the failures before them; the pause queued none
    queued = await outbox_events(database, service.DELIVER_TOPIC)
    assert [e.payload["attempt"] for e in queued] == [1, 2, 3]
    assert queued[-1].payload == {"delivery_id": str(first), "attempt": 3}
    await deliver(database, redis_client, webhook_settings, first, attempt=3)
    [delivery] = await deliveries(database, webhook.id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 4)


async def test_a_success_resets_the_failure_count(
    database: Database, redis_client: Redis, webhook_settings: Settings, hooks: Receiver
) -> None:
    answers = iter([500, 500, 200])
    hooks.answer = lambda: next(answers)
    _admin, webhook, delivery_id = await one_delivery(database, webhook_settings, hooks)
    for attempt in range(3):
        await deliver(database, redis_client, webhook_settings, delivery_id, attempt=attempt)
    row = await webhook_row(database, webhook.id)
    assert (row.status, row.consecutive_failures) == (WebhookStatus.ACTIVE, 0)


async def test_redelivery_sends_the_same_body_again_as_a_new_delivery(
    database: Database, redis_client: Redis, webhook_settings: Settings, hooks: Receiver
) -> None:
    admin, webhook, original = await one_delivery(
        database,
        webhook_settings,
        hooks,
        "subscription { webhookEvent { ... on UserRegistered { user { id firstName } } } }",
    )
    with frozen(AT):
        await deliver(database, redis_client, webhook_settings, original, attempt=0)
    async with database.transaction() as session:
        copy = await service.redeliver(session, actor=Actor.of(admin), delivery_id=original)
    with frozen(AT + timedelta(minutes=5)):
        await deliver(database, redis_client, webhook_settings, copy.id, attempt=0)

    first, second = hooks.received
    assert first.body == second.body
    assert first.json == {
        "webhookEvent": {"user": {"id": gid("User", admin.id), "firstName": "Grace"}}
    }
    assert second.verified
    assert first.headers["x-easyways-signature"] != second.headers["x-easyways-signature"]
    assert second.headers["x-easyways-delivery"] == str(copy.id)
    rows = await deliveries(database, webhook.id)
    assert [(d.status, d.redelivery_of_id) for d in rows] == [
        (DeliveryStatus.SUCCEEDED, None),
        (DeliveryStatus.SUCCEEDED, original),
    ]


async def test_a_host_that_now_resolves_to_a_private_address_is_not_sent_to(
    database: Database, redis_client: Redis, webhook_settings: Settings, hooks: Receiver
) -> None:
    port = hooks.base_url.rsplit(":", 1)[1]
    answers = {"now": "127.0.0.1"}

    async def resolve(host: str, _port: int) -> list[str]:
        return [answers["now"]]

    admin = await person(database, UserRole.ADMIN)
    webhook = await create(
        database,
        webhook_settings,
        admin,
        f"http://hooks.partner.test:{port}/in",
        [WebhookEvent.USER_REGISTERED],
        "subscription { webhookEvent { __typename } }",
        resolve=resolve,
    )
    await an_event(database, WebhookEvent.USER_REGISTERED, user_id=admin.id)
    [delivery_id] = await fan_out_all(database)
    answers["now"] = "10.0.0.7"  # DNS rebinding after the check at creation
    await deliver(database, redis_client, webhook_settings, delivery_id, attempt=0, resolve=resolve)
    assert hooks.received == []
    [delivery] = await deliveries(database, webhook.id)
    assert delivery.response_status is None
    assert delivery.error is not None
    assert "private address" in delivery.error

    answers["now"] = "127.0.0.1"  # pinned: the request goes to the address that was checked
    await deliver(database, redis_client, webhook_settings, delivery_id, attempt=1, resolve=resolve)
    [received] = hooks.received
    assert received.headers["host"] == f"hooks.partner.test:{port}"


async def test_a_query_that_fails_for_the_event_is_recorded_as_failed_and_not_sent(
    database: Database, redis_client: Redis, webhook_settings: Settings, hooks: Receiver
) -> None:
    admin = await person(database, UserRole.ADMIN)
    webhook = await create(
        database,
        webhook_settings,
        admin,
        hooks.url(),
        [WebhookEvent.REFUND_PROCESSED],
        "subscription { webhookEvent { ... on RefundProcessed { amount { amount } } } }",
    )
    # an event without the amount its query asks for: the query ends with an error
    await an_event(database, WebhookEvent.REFUND_PROCESSED, order_id=uuid.uuid4())
    [delivery_id] = await fan_out_all(database)
    assert await deliver(database, redis_client, webhook_settings, delivery_id, attempt=0) is None
    assert hooks.received == []
    [delivery] = await deliveries(database, webhook.id)
    assert (delivery.status, delivery.body) == (DeliveryStatus.FAILED, None)
    assert delivery.error is not None
    assert delivery.error.startswith("The subscription query failed")
    assert (await webhook_row(database, webhook.id)).consecutive_failures == 0
