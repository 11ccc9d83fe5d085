"""Apollo Client's automatic persisted queries link, unmodified (npm `@apollo/client`), against
the real app: the first run sends the hash alone over GET, is told PersistedQueryNotFound and
sends the document; later runs send the hash alone and get the result."""

from __future__ import annotations

import uuid

from app.security.tokens import KeyRing
from app.settings import Settings
from tests.support.live import live_server
from tests.support.node import apollo_persisted_query


async def test_apollo_clients_persisted_queries_link_registers_then_sends_the_hash_alone(
    settings: Settings, keyring: KeyRing, database: object
) -> None:
    alias = f"p{uuid.uuid4().hex}"  # a document no one has registered yet
    query = f"query Ping {{ {alias}: ping }}"
    async with live_server(settings, keyring) as server:
        url = f"http://127.0.0.1:{server.port}/graphql"
        events = await apollo_persisted_query(url, query, runs=2)
    assert events == [
        {"request": {"method": "GET", "hashOnly": True}},  # unknown: PersistedQueryNotFound
        {"request": {"method": "POST", "hashOnly": False}},  # registers it (hash checked)
        {"data": {alias: "pong"}},
        {"request": {"method": "GET", "hashOnly": True}},  # known now
        {"data": {alias: "pong"}},
    ]
