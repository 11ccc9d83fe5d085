"""webhookDeliveries, redeliverWebhook and resumeWebhook over GraphQL."""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy import select, update

from app.accounts.models import User, UserRole
from app.db import Database
from app.outbox import OutboxEvent
from app.settings import Settings
from app.webhooks.delivery import deliver, fan_out
from app.webhooks.events import WEBHOOK_TOPIC, emit_event
from app.webhooks.models import Webhook, WebhookEvent, WebhookStatus
from app.webhooks.service import DELIVER_TOPIC
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient
from tests.support.webhooks import Receiver, create, deliveries

QUERY = "subscription { webhookEvent { ... on UserRegistered { user { id } } } }"
DELIVERY = (
    "id event status attempts payload responseStatusCode responseBody latencyMs error "
    "isRedelivery lastAttemptAt nextAttemptAt deliveredAt"
)


async def topics(database: Database, topic: str) -> list[OutboxEvent]:
    async with database.session() as session:
        stmt = select(OutboxEvent).where(OutboxEvent.topic == topic).order_by(OutboxEvent.id)
        return list(await session.scalars(stmt))


async def one_failed_attempt(
    database: Database, redis: Redis, settings: Settings, hooks: Receiver
) -> tuple[Webhook, User]:
    hooks.status = 500
    admin = await person(database, UserRole.ADMIN)
    webhook = await create(
        database, settings, admin, hooks.url(), [WebhookEvent.USER_REGISTERED], QUERY
    )
    async with database.transaction() as session:
        await emit_event(session, WebhookEvent.USER_REGISTERED, user_id=admin.id)
    [event] = await topics(database, WEBHOOK_TOPIC)
    [delivery_id] = await fan_out(database, event.id, event.payload)
    await deliver(database, redis, settings, delivery_id, attempt=0)
    return webhook, admin


async def test_the_owner_reads_a_webhooks_delivery_log(
    client: GraphQLClient,
    database: Database,
    redis_client: Redis,
    webhook_settings: Settings,
    hooks: Receiver,
) -> None:
    webhook, admin = await one_failed_attempt(database, redis_client, webhook_settings, hooks)
    outcome = await client.execute(
        "query($id: ID!) { webhookDeliveries(webhookId: $id, first: 5) { totalCount "
        f"edges {{ node {{ {DELIVERY} }} }} }} }}",
        {"id": gid("Webhook", webhook.id)},
        token=token_for(client, admin),
    )
    page = outcome.payload("webhookDeliveries")
    assert page["totalCount"] == 1
    node = page["edges"][0]["node"]
    assert (node["event"], node["status"], node["attempts"]) == ("USER_REGISTERED", "PENDING", 1)
    assert (node["responseStatusCode"], node["error"]) == (500, "HTTP 500")
    assert node["payload"] == hooks.received[0].body.decode()
    assert node["nextAttemptAt"] is not None
    assert node["deliveredAt"] is None
    assert node["isRedelivery"] is False


async def test_redeliver_queues_a_new_delivery_of_the_same_payload(
    client: GraphQLClient,
    database: Database,
    redis_client: Redis,
    webhook_settings: Settings,
    hooks: Receiver,
) -> None:
    webhook, admin = await one_failed_attempt(database, redis_client, webhook_settings, hooks)
    [original] = await deliveries(database, webhook.id)
    outcome = await client.mutate(
        "redeliverWebhook",
        {"deliveryId": gid("WebhookDelivery", original.id)},
        f"delivery {{ {DELIVERY} }}",
        token=token_for(client, admin),
    )
    copy = outcome.payload("redeliverWebhook")["delivery"]
    assert (copy["status"], copy["attempts"], copy["isRedelivery"]) == ("PENDING", 0, True)
    assert copy["payload"] == original.body
    # the original's retry (queued with its failure), then the copy's first attempt
    retry, queued = await topics(database, DELIVER_TOPIC)
    assert retry.payload == {"delivery_id": str(original.id), "attempt": 1}
    assert queued.payload["attempt"] == 0
    assert queued.payload["delivery_id"] != str(original.id)
    assert len(await deliveries(database, webhook.id)) == 2

    other = await person(database, UserRole.INSTRUCTOR)
    refused = await client.mutate(
        "redeliverWebhook",
        {"deliveryId": gid("WebhookDelivery", original.id)},
        "delivery { id }",
        token=token_for(client, other),
    )
    assert refused.codes == ["NOT_FOUND"]


async def test_resume_sets_a_paused_webhook_active_again(
    client: GraphQLClient,
    database: Database,
    redis_client: Redis,
    webhook_settings: Settings,
    hooks: Receiver,
) -> None:
    webhook, admin = await one_failed_attempt(database, redis_client, webhook_settings, hooks)
    async with database.transaction() as session:
        await session.execute(
            update(Webhook)
            .where(Webhook.id == webhook.id)
            .values(status=WebhookStatus.PAUSED, consecutive_failures=9)
        )
    outcome = await client.mutate(
        "resumeWebhook",
        {"webhookId": gid("Webhook", webhook.id)},
        "webhook { status consecutiveFailures pausedAt }",
        token=token_for(client, admin),
    )
    assert outcome.payload("resumeWebhook")["webhook"] == {
        "status": "ACTIVE",
        "consecutiveFailures": 0,
        "pausedAt": None,
    }
    # queued with the failure, and again by the resume (the stale copy finds it made: no-op)
    queued = await topics(database, DELIVER_TOPIC)
    assert [q.payload["attempt"] for q in queued] == [1, 1]  # the waiting delivery's next one
