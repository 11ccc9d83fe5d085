"""linkedIdentities runs the same statements for one identity and for many."""

from __future__ import annotations

import pytest

from app.accounts.models import LinkedIdentity
from app.clock import utcnow
from app.db import Database, count_statements
from tests.support.accounts import login, make_user
from tests.support.graphql import GraphQLClient

QUERY = "query { linkedIdentities { id provider email createdAt lastUsedAt } }"


async def _statements(client: GraphQLClient, token: str, expected: int) -> int:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(QUERY, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    assert len(outcome.data["linkedIdentities"]) == expected
    return counter.count


@pytest.mark.parametrize("many", [10, 50])
async def test_listing_identities_costs_the_same_for_one_and_many(
    client: GraphQLClient, database: Database, many: int
) -> None:
    user = await make_user(database)
    token = (await login(client, user.email))["accessToken"]
    async with database.transaction() as session:
        session.add_all(
            LinkedIdentity(
                user_id=user.id,
                provider=f"p{i}",
                subject="s",
                email=user.email,
                last_used_at=utcnow(),
            )
            for i in range(many)
        )
    one_user = await make_user(database)
    one_token = (await login(client, one_user.email))["accessToken"]
    async with database.transaction() as session:
        session.add(
            LinkedIdentity(
                user_id=one_user.id,
                provider="p",
                subject="s",
                email="x@example.com",
                last_used_at=utcnow(),
            )
        )

    one = await _statements(client, one_token, 1)
    all_of_them = await _statements(client, token, many)
    assert all_of_them == one
    assert one <= 2  # the viewer and the identities
