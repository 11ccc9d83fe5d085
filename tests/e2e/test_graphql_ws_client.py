"""The official `graphql-ws` JavaScript client, unmodified, against the real app over
graphql-transport-ws: it connects, authenticates through `connection_init`, receives results and
completion, and is refused with the protocol's close code for a bad token."""

from __future__ import annotations

import asyncio

from app.accounts.models import UserRole
from app.db import Database
from app.security.tokens import KeyRing
from app.settings import Settings
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient
from tests.support.live import live_server
from tests.support.node import graphql_ws_client


async def test_the_official_client_subscribes_receives_every_result_and_completes(
    settings: Settings, keyring: KeyRing, database: object
) -> None:
    async with (
        live_server(settings, keyring) as server,
        graphql_ws_client(server.ws_url, "subscription { ping(count: 3) }", count=4) as client,
    ):
        assert await client.event() == {"connected": True}
        for _ in range(3):
            event = await client.event()
            assert event["next"]["data"] == {"ping": "pong"}
        assert await client.event() == {"complete": True}
        assert await client.exit_code() == 0


async def test_the_official_client_is_refused_with_4403_for_a_forged_token(
    settings: Settings, keyring: KeyRing, database: object
) -> None:
    async with (
        live_server(settings, keyring) as server,
        graphql_ws_client(
            server.ws_url, "subscription { ping }", token="not-a-token", count=1
        ) as client,
    ):
        event = await client.event()
        assert event["code"] == 4403
        assert await client.exit_code() == 2


async def test_the_official_client_receives_a_message_sent_to_its_signed_in_user(
    settings: Settings, keyring: KeyRing, database: Database, client: GraphQLClient
) -> None:
    student = await person(database)
    admin = await person(database, UserRole.ADMIN)
    async with (
        live_server(settings, keyring) as server,
        graphql_ws_client(
            server.ws_url,
            "subscription { messageReceived { body sender { id } } }",
            token=token_for(client, student),
        ) as subscriber,
    ):
        assert await subscriber.event() == {"connected": True}
        await asyncio.sleep(0.5)  # the server has subscribed to the student's channel
        sent = await client.mutate(
            "startConversation",
            {"recipientId": gid("User", student.id), "body": "Hello from the admin"},
            "conversation { id }",
            token=token_for(client, admin),
        )
        assert sent.payload("startConversation")["errors"] == []
        event = await subscriber.event()
        assert event["next"]["data"]["messageReceived"] == {
            "body": "Hello from the admin",
            "sender": {"id": gid("User", admin.id)},
        }
        assert await subscriber.exit_code() == 0
