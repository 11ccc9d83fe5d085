"""Authenticating with an API key costs a fixed number of SQL statements, and a page of keys with
its usage counters costs the same for 1 key as for many (the counters come from Redis in one
round trip)."""

from __future__ import annotations

import httpx
import pytest

from app.db import Database, count_statements
from app.partners import keys
from app.security.permissions import Actor
from tests.support.accounts import make_user
from tests.support.partners import create_key, gql, session_token

KEY_PAGE = (
    "{ apiKeys(first: 100) { totalCount edges { node { id name requestCount costUsed "
    "lastUsedAt active } } } }"
)
# the key (by prefix) and its owner: one statement each
KEY_AUTH_BUDGET = 2
# the caller, the page, its count
KEY_PAGE_BUDGET = 3


async def test_a_request_with_an_api_key_runs_two_statements_to_authenticate(
    database: Database, client: httpx.AsyncClient
) -> None:
    user = await make_user(database)
    secret, _ = await create_key(client, session_token(client, user))
    engine = client._transport.app.state.db.engine  # type: ignore[attr-defined]
    with count_statements(engine) as counter:
        response = await gql(client, "{ ping }", key=secret)
    assert response.json()["data"] == {"ping": "pong"}
    assert counter.count == KEY_AUTH_BUDGET


@pytest.mark.parametrize("many", [1, 30])
async def test_a_page_of_keys_runs_the_same_statements_for_1_and_many_keys(
    database: Database, client: httpx.AsyncClient, many: int
) -> None:
    user = await make_user(database)
    token = session_token(client, user)
    state = client._transport.app.state  # type: ignore[attr-defined]
    settings = state.settings.model_copy(update={"api_keys_per_user": 100})
    async with database.transaction() as session:
        for i in range(many):
            await keys.create_api_key(
                session, actor=Actor.of(user), settings=settings, name=f"k{i}", scopes=["read"]
            )
    with count_statements(state.db.engine) as counter:
        response = await gql(client, KEY_PAGE, token=token)
    page = response.json()["data"]["apiKeys"]
    assert page["totalCount"] == many
    assert len(page["edges"]) == many
    assert counter.count == KEY_PAGE_BUDGET
