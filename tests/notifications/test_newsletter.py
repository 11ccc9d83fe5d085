"""The newsletter: double opt-in without revealing who is subscribed, confirmation links that work
once and expire, and a signed one-click unsubscribe link (RFC 8058) that needs no sign-in."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from app.clock import frozen, utcnow
from app.db import Database
from app.main import create_app
from app.notifications.models import EmailLog, NewsletterStatus, NewsletterSubscriber
from app.notifications.newsletter import unsubscribe_url
from app.settings import Settings
from tests.support.graphql import GraphQLClient

SUBSCRIBE = "subscribeNewsletter"
OK = "ok"


async def subscribe(client: GraphQLClient, email: str, **kw: Any) -> dict[str, Any]:
    return (await client.mutate(SUBSCRIBE, {"email": email, **kw}, OK)).payload(SUBSCRIBE)


async def confirm(client: GraphQLClient, token: str) -> dict[str, Any]:
    name = "confirmNewsletterSubscription"
    return (await client.mutate(name, {"token": token}, "status email")).payload(name)


async def emails(database: Database, address: str) -> list[EmailLog]:
    async with database.session() as session:
        rows = await session.scalars(
            select(EmailLog)
            .where(EmailLog.recipient == address, EmailLog.template == "newsletter_confirm")
            .order_by(EmailLog.created_at)
        )
        return list(rows)


async def subscriber(database: Database, address: str) -> NewsletterSubscriber | None:
    async with database.session() as session:
        return await session.scalar(
            select(NewsletterSubscriber).where(NewsletterSubscriber.email == address)
        )


def token_of(mail: EmailLog) -> str:
    link = mail.context["link"]
    assert link.split("?")[0].endswith("/newsletter/confirm")
    return parse_qs(urlsplit(link).query)["token"][0]


async def subscribed(client: GraphQLClient, database: Database, address: str) -> uuid.UUID:
    await subscribe(client, address)
    await confirm(client, token_of((await emails(database, address))[-1]))
    row = await subscriber(database, address)
    assert row is not None
    return row.id


# --- double opt-in --------------------------------------------------------------------------------


async def test_subscribing_stores_a_pending_address_and_emails_a_confirmation_link(
    client: GraphQLClient, database: Database
) -> None:
    assert await subscribe(client, "  Ada@Example.COM ", name="Ada") == {OK: True, "errors": []}
    row = await subscriber(database, "ada@example.com")
    assert row is not None
    assert (row.status, row.name, row.confirmed_at) == (NewsletterStatus.PENDING, "Ada", None)
    [mail] = await emails(database, "ada@example.com")
    assert row.confirmation_token_hash is not None
    assert token_of(mail) not in str(row.confirmation_token_hash)  # only a hash is kept
    assert mail.context["unsubscribe_url"] == unsubscribe_url(client.settings, row.id)


async def test_following_the_link_subscribes_the_address(
    client: GraphQLClient, database: Database
) -> None:
    await subscribe(client, "grace@example.com")
    [mail] = await emails(database, "grace@example.com")
    assert await confirm(client, token_of(mail)) == {
        "status": "SUBSCRIBED",
        "email": "grace@example.com",
        "errors": [],
    }
    row = await subscriber(database, "grace@example.com")
    assert row is not None
    assert row.status == NewsletterStatus.SUBSCRIBED
    assert row.confirmed_at is not None


async def test_the_answer_is_the_same_for_new_pending_and_subscribed_addresses(
    client: GraphQLClient, database: Database
) -> None:
    await subscribed(client, database, "known@example.com")
    await subscribe(client, "pending@example.com")
    answers = [
        await subscribe(client, address)
        for address in ("new@example.com", "pending@example.com", "known@example.com")
    ]
    assert answers == [{OK: True, "errors": []}] * 3


async def test_an_already_subscribed_address_is_sent_nothing_new(
    client: GraphQLClient, database: Database
) -> None:
    await subscribed(client, database, "known@example.com")
    await subscribe(client, "known@example.com")
    assert len(await emails(database, "known@example.com")) == 1
    row = await subscriber(database, "known@example.com")
    assert row is not None
    assert row.status == NewsletterStatus.SUBSCRIBED


async def test_subscribing_again_while_pending_resends_a_new_link_and_the_old_one_stops_working(
    client: GraphQLClient, database: Database
) -> None:
    await subscribe(client, "again@example.com")
    await subscribe(client, "again@example.com")
    first, second = await emails(database, "again@example.com")
    outcome = await client.mutate(
        "confirmNewsletterSubscription", {"token": token_of(first)}, "status"
    )
    assert outcome.payload("confirmNewsletterSubscription")["errors"][0]["code"] == "INVALID_LINK"
    assert (await confirm(client, token_of(second)))["status"] == "SUBSCRIBED"


async def test_resending_is_rate_limited_per_address(
    client: GraphQLClient, database: Database
) -> None:
    limit = client.settings.email_requests_max_per_email
    for _ in range(limit):
        await subscribe(client, "spam@example.com")
    outcome = await client.mutate(SUBSCRIBE, {"email": "spam@example.com"}, OK)
    assert outcome.codes == ["RATE_LIMITED"]
    assert len(await emails(database, "spam@example.com")) == limit


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"email": "not-an-address"}, "email", "INVALID_EMAIL"),
        ({"email": "a" * 250 + "@example.com"}, "email", "TOO_LONG"),
        ({"email": "ok@example.com", "name": "n" * 151}, "name", "TOO_LONG"),
    ],
)
async def test_a_bad_address_or_name_is_refused_and_nothing_is_stored(
    client: GraphQLClient, values: dict[str, str], field: str, code: str
) -> None:
    payload = (await client.mutate(SUBSCRIBE, values, OK)).payload(SUBSCRIBE)
    assert payload[OK] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]


@pytest.mark.parametrize("token", ["", "nope", "x" * 300])
async def test_an_unknown_token_is_an_invalid_link(client: GraphQLClient, token: str) -> None:
    name = "confirmNewsletterSubscription"
    payload = (await client.mutate(name, {"token": token}, "status")).payload(name)
    assert payload["status"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("token", "INVALID_LINK")]


async def test_a_link_works_once(client: GraphQLClient, database: Database) -> None:
    await subscribe(client, "once@example.com")
    [mail] = await emails(database, "once@example.com")
    await confirm(client, token_of(mail))
    name = "confirmNewsletterSubscription"
    payload = (await client.mutate(name, {"token": token_of(mail)}, "status")).payload(name)
    assert payload["errors"][0]["code"] == "INVALID_LINK"


async def test_a_link_expires_after_seven_days(client: GraphQLClient, database: Database) -> None:
    await subscribe(client, "late@example.com")
    [mail] = await emails(database, "late@example.com")
    name = "confirmNewsletterSubscription"
    with frozen(utcnow() + timedelta(days=7, minutes=1)):
        payload = (await client.mutate(name, {"token": token_of(mail)}, "status")).payload(name)
    assert payload["errors"][0]["code"] == "INVALID_LINK"


# --- unsubscribing --------------------------------------------------------------------------------


def link_params(settings: Settings, subscriber_id: uuid.UUID) -> dict[str, str]:
    query = parse_qs(urlsplit(unsubscribe_url(settings, subscriber_id)).query)
    return {"subscriber": query["s"][0], "signature": query["sig"][0]}


async def test_the_signed_link_unsubscribes_through_graphql_without_signing_in(
    client: GraphQLClient, database: Database
) -> None:
    subscriber_id = await subscribed(client, database, "bye@example.com")
    name = "unsubscribeNewsletter"
    params = link_params(client.settings, subscriber_id)
    for _ in range(2):  # idempotent
        payload = (await client.mutate(name, params, "status")).payload(name)
        assert payload == {"status": "UNSUBSCRIBED", "errors": []}
    row = await subscriber(database, "bye@example.com")
    assert row is not None
    assert row.unsubscribed_at is not None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: {**p, "signature": p["signature"][:-2] + "AA"},
        lambda p: {**p, "subscriber": str(uuid.uuid4())},
        lambda p: {**p, "subscriber": "not-a-uuid"},
        lambda p: {**p, "signature": ""},
    ],
)
async def test_a_tampered_unsubscribe_link_is_an_invalid_link(
    client: GraphQLClient, database: Database, tamper: Any
) -> None:
    subscriber_id = await subscribed(client, database, "stay@example.com")
    name = "unsubscribeNewsletter"
    params = tamper(link_params(client.settings, subscriber_id))
    payload = (await client.mutate(name, params, "status")).payload(name)
    assert payload["status"] is None
    assert payload["errors"][0]["code"] == "INVALID_LINK"
    row = await subscriber(database, "stay@example.com")
    assert row is not None
    assert row.status == NewsletterStatus.SUBSCRIBED


async def test_an_unsubscribed_address_that_subscribes_again_must_confirm_again(
    client: GraphQLClient, database: Database
) -> None:
    subscriber_id = await subscribed(client, database, "back@example.com")
    await client.mutate(
        "unsubscribeNewsletter", link_params(client.settings, subscriber_id), "status"
    )
    await subscribe(client, "back@example.com")
    row = await subscriber(database, "back@example.com")
    assert row is not None
    assert row.status == NewsletterStatus.PENDING
    assert len(await emails(database, "back@example.com")) == 2


# --- the one-click REST route (RFC 8058) ----------------------------------------------------------


@pytest.fixture
async def http(
    database: Database, redis_client: Any, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    from tests.support.api import serve

    async with serve(create_app(settings)) as running:
        yield running


def path_of(settings: Settings, subscriber_id: uuid.UUID) -> str:
    parts = urlsplit(unsubscribe_url(settings, subscriber_id))
    assert parts.path == "/newsletter/unsubscribe"
    return f"{parts.path}?{parts.query}"


async def test_a_mail_client_one_click_post_unsubscribes(
    client: GraphQLClient, database: Database, http: httpx.AsyncClient
) -> None:
    subscriber_id = await subscribed(client, database, "click@example.com")
    response = await http.post(
        path_of(client.settings, subscriber_id),
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    row = await subscriber(database, "click@example.com")
    assert row is not None
    assert row.status == NewsletterStatus.UNSUBSCRIBED


async def test_opening_the_link_changes_nothing_and_shows_a_button_that_posts(
    client: GraphQLClient, database: Database, http: httpx.AsyncClient
) -> None:
    subscriber_id = await subscribed(client, database, "look@example.com")
    response = await http.get(path_of(client.settings, subscriber_id))
    assert response.status_code == 200
    assert "<form method=post" in response.text
    row = await subscriber(database, "look@example.com")
    assert row is not None
    assert row.status == NewsletterStatus.SUBSCRIBED


async def test_a_bad_signature_on_the_rest_route_is_400_and_changes_nothing(
    client: GraphQLClient, database: Database, http: httpx.AsyncClient
) -> None:
    subscriber_id = await subscribed(client, database, "keep@example.com")
    for method in ("GET", "POST"):
        response = await http.request(
            method, f"/newsletter/unsubscribe?s={subscriber_id}&sig=forged"
        )
        assert response.status_code == 400
    response = await http.post("/newsletter/unsubscribe")
    assert response.status_code == 400
    row = await subscriber(database, "keep@example.com")
    assert row is not None
    assert row.status == NewsletterStatus.SUBSCRIBED
