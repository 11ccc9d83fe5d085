"""Listing webhooks and their deliveries costs a fixed number of SQL statements, however many
are listed."""

from __future__ import annotations

import uuid

from app.accounts.models import User, UserRole
from app.db import Database, count_statements
from app.settings import Settings
from app.webhooks.models import Webhook, WebhookDelivery, WebhookEvent
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient
from tests.support.webhooks import Receiver, create

WEBHOOKS = "{ webhooks(first: 100) { edges { node { id url events status } } } }"
DELIVERIES = (
    "query($id: ID!) { webhookDeliveries(webhookId: $id, first: 100) "
    "{ edges { node { id event status attempts payload error } } } }"
)


async def add_deliveries(database: Database, webhook: Webhook, n: int) -> None:
    async with database.transaction() as session:
        session.add_all(
            WebhookDelivery(
                webhook_id=webhook.id,
                event="user_registered",
                event_id=uuid.uuid4(),
                event_data={},
                body="{}",
            )
            for _ in range(n)
        )


async def statements(client: GraphQLClient, user: User, query: str, **variables: str) -> int:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(query, variables, token=token_for(client, user))
    assert not outcome.errors, outcome.errors
    return counter.count


async def test_listing_webhooks_and_deliveries_runs_the_same_statements_for_2_and_60(
    client: GraphQLClient, database: Database, webhook_settings: Settings, hooks: Receiver
) -> None:
    admin = await person(database, UserRole.ADMIN)
    events = [WebhookEvent.USER_REGISTERED]
    few = [await create(database, webhook_settings, admin, hooks.url(), events) for _ in range(2)]
    await add_deliveries(database, few[0], 2)
    small = await statements(client, admin, WEBHOOKS)
    small_log = await statements(client, admin, DELIVERIES, id=gid("Webhook", few[0].id))

    for _ in range(58):
        await create(database, webhook_settings, admin, hooks.url(), events)
    await add_deliveries(database, few[0], 58)
    assert await statements(client, admin, WEBHOOKS) == small
    assert await statements(client, admin, DELIVERIES, id=gid("Webhook", few[0].id)) == small_log
