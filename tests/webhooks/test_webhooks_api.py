"""createWebhook / updateWebhook / deleteWebhook / webhooks / webhookDeliveries over GraphQL:
who may subscribe to what, URL and subscription-query validation, and webhookEvent's refusal
outside webhooks."""

from __future__ import annotations

from typing import Any

import pytest

from app.accounts.models import User, UserRole
from app.db import Database
from app.webhooks.models import Webhook, WebhookEvent
from schema.root import schema
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient
from tests.support.orders import count
from tests.support.webhooks import COURSE_QUERY, ORDER_QUERY, Receiver

FIELDS = "webhook { id url events status subscriptionQuery } secret"


async def create(
    client: GraphQLClient, user: User, **input_: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    outcome = await client.mutate("createWebhook", input_, FIELDS, token=token_for(client, user))
    payload = outcome.payload("createWebhook")
    return payload, payload["errors"]


def order_hook(url: str, **extra: Any) -> dict[str, Any]:
    return {"url": url, "events": ["ORDER_PAID"], "subscriptionQuery": ORDER_QUERY, **extra}


async def test_an_admin_creates_a_webhook_gets_its_secret_once_and_lists_it(
    client: GraphQLClient, database: Database, hooks: Receiver
) -> None:
    admin = await person(database, UserRole.ADMIN)
    payload, errors = await create(client, admin, **order_hook(hooks.url()))
    assert errors == []
    assert payload["secret"].startswith("whsec_")
    assert len(payload["secret"]) > 40
    assert payload["webhook"]["events"] == ["ORDER_PAID"]
    assert payload["webhook"]["status"] == "ACTIVE"

    listed = await client.execute(
        "{ webhooks(first: 10) { totalCount edges { node { id url } } } }",
        token=token_for(client, admin),
    )
    assert listed.payload("webhooks")["totalCount"] == 1
    assert listed.payload("webhooks")["edges"][0]["node"]["id"] == payload["webhook"]["id"]
    assert "secret" not in str(listed.data)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hooks",
        "https://127.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/hooks",
    ],
)
async def test_an_unsafe_url_is_a_user_error_and_nothing_is_created(
    client: GraphQLClient, database: Database, url: str
) -> None:
    client.settings = client.settings.model_copy(update={"webhook_allow_loopback_http": False})
    admin = await person(database, UserRole.ADMIN)
    payload, errors = await create(client, admin, **order_hook(url))
    assert payload["webhook"] is None
    assert payload["secret"] is None
    assert [(e["field"], e["code"]) for e in errors] == [("url", "UNSAFE_URL")]
    assert await count(database, Webhook) == 0


async def test_production_refuses_http_even_to_loopback(
    client: GraphQLClient, database: Database, hooks: Receiver
) -> None:
    client.settings = client.settings.model_copy(update={"env": "production"})
    admin = await person(database, UserRole.ADMIN)
    _, errors = await create(client, admin, **order_hook(hooks.url()))
    assert [(e["field"], e["code"]) for e in errors] == [("url", "UNSAFE_URL")]


@pytest.mark.parametrize(
    "query",
    [
        "subscription { webhookEvent { __typename ",  # does not parse
        "query { ping }",  # not a subscription
        "subscription { ping }",  # another root field
        "subscription { a: webhookEvent { __typename } }",  # aliased
        "subscription { webhookEvent { ... on OrderPaid { nope } } }",  # does not validate
        "subscription($x: Int) { webhookEvent { __typename } }",  # variables
        "subscription A { webhookEvent { __typename } } subscription B { ping }",
        "subscription { webhookEvent { ... on OrderPaid { order { items { course { modules {"
        " lessons { module { course { modules { lessons { module { course { modules { lessons {"
        " id } } } } } } } } } } } } } } } }",  # too deep
    ],
)
async def test_a_subscription_query_that_is_not_one_valid_webhook_event_selection_is_refused(
    client: GraphQLClient, database: Database, hooks: Receiver, query: str
) -> None:
    admin = await person(database, UserRole.ADMIN)
    _, errors = await create(client, admin, **order_hook(hooks.url(), subscriptionQuery=query))
    assert [(e["field"], e["code"]) for e in errors] == [
        ("subscriptionQuery", "INVALID_SUBSCRIPTION_QUERY")
    ]
    assert await count(database, Webhook) == 0


async def test_students_may_not_create_webhooks(
    client: GraphQLClient, database: Database, hooks: Receiver
) -> None:
    student = await person(database)
    outcome = await client.mutate(
        "createWebhook", order_hook(hooks.url()), FIELDS, token=token_for(client, student)
    )
    assert outcome.codes == ["FORBIDDEN"]
    assert await count(database, Webhook) == 0


async def test_instructors_subscribe_to_course_events_only(
    client: GraphQLClient, database: Database, hooks: Receiver
) -> None:
    teacher = await person(database, UserRole.INSTRUCTOR)
    _, refused = await create(
        client,
        teacher,
        url=hooks.url(),
        events=["ENROLLMENT_CREATED", "ORDER_PAID"],
        subscriptionQuery=COURSE_QUERY,
    )
    assert [(e["field"], e["code"]) for e in refused] == [("events", "EVENT_NOT_ALLOWED")]
    payload, errors = await create(
        client,
        teacher,
        url=hooks.url(),
        events=["ENROLLMENT_CREATED", "COURSE_PUBLISHED"],
        subscriptionQuery=COURSE_QUERY,
    )
    assert errors == []
    assert payload["webhook"]["events"] == ["ENROLLMENT_CREATED", "COURSE_PUBLISHED"]


async def test_an_owner_updates_a_webhook_and_rotates_its_secret(
    client: GraphQLClient, database: Database, hooks: Receiver
) -> None:
    admin = await person(database, UserRole.ADMIN)
    created, _ = await create(client, admin, **order_hook(hooks.url()))
    new_secret = "a-brand-new-secret-of-32-chars!!"
    outcome = await client.mutate(
        "updateWebhook",
        {
            "webhookId": created["webhook"]["id"],
            "events": ["ORDER_PAID", "REFUND_PROCESSED"],
            "secret": new_secret,
        },
        "webhook { events url } secret",
        token=token_for(client, admin),
    )
    payload = outcome.payload("updateWebhook")
    assert payload["errors"] == []
    assert payload["webhook"]["events"] == ["ORDER_PAID", "REFUND_PROCESSED"]
    assert payload["webhook"]["url"] == hooks.url()
    assert payload["secret"] == new_secret


async def test_someone_elses_webhook_is_not_found_for_update_delete_and_deliveries(
    client: GraphQLClient, database: Database, hooks: Receiver
) -> None:
    owner = await person(database, UserRole.INSTRUCTOR)
    other = await person(database, UserRole.INSTRUCTOR)
    created, _ = await create(
        client,
        owner,
        url=hooks.url(),
        events=["COURSE_PUBLISHED"],
        subscriptionQuery=COURSE_QUERY,
    )
    webhook_id = created["webhook"]["id"]
    token = token_for(client, other)
    deleted = await client.mutate(
        "deleteWebhook", {"webhookId": webhook_id}, "deletedWebhookId", token=token
    )
    assert deleted.codes == ["NOT_FOUND"]
    listed = await client.execute(
        "query($id: ID!) { webhookDeliveries(webhookId: $id) { edges { node { id } } } }",
        {"id": webhook_id},
        token=token,
    )
    assert listed.codes == ["NOT_FOUND"]
    assert await count(database, Webhook) == 1

    gone = await client.mutate(
        "deleteWebhook",
        {"webhookId": webhook_id},
        "deletedWebhookId",
        token=token_for(client, owner),
    )
    assert gone.payload("deleteWebhook")["deletedWebhookId"] == webhook_id
    assert await count(database, Webhook) == 0


async def test_webhook_event_cannot_be_subscribed_to_outside_a_webhook(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    from tests.support.graphql import Outcome  # noqa: F401 - the client builds the context

    context = await _context(client, admin)
    result = await schema.subscribe(
        "subscription { webhookEvent { __typename } }", context_value=context
    )
    stream: Any = result
    first = await stream.__anext__()
    await stream.aclose()
    assert [(e.extensions or {}).get("code") for e in first.errors] == ["FORBIDDEN"]


async def _context(client: GraphQLClient, user: User) -> Any:
    """A real request context for `user` (as the client builds it for execute)."""
    captured: dict[str, Any] = {}
    original = client.schema

    class Capture:
        async def execute(self, query: str, **kw: Any) -> Any:
            captured["context"] = kw["context_value"]
            return await original.execute(query, **kw)

    client.schema = Capture()  # type: ignore[assignment]
    try:
        await client.execute("{ ping }", token=token_for(client, user))
    finally:
        client.schema = original
    return captured["context"]


def test_every_webhook_event_has_a_graphql_type() -> None:
    sdl = str(schema)
    for event in WebhookEvent:
        type_name = "".join(part.capitalize() for part in event.value.split("_"))
        assert f"type {type_name} " in sdl, type_name
    assert gid("Webhook", __import__("uuid").uuid4())
