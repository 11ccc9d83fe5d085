"""The official `graphql-ws` JavaScript client, unmodified, against the real app over
graphql-transport-ws: it connects, authenticates through `connection_init`, receives results and
completion, and is refused with the protocol's close code for a bad token."""

from __future__ import annotations

from app.security.tokens import KeyRing
from app.settings import Settings
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
