"""Reading users and their relations costs a fixed number of SQL statements, however many."""

from __future__ import annotations

import pytest
from strawberry.relay import to_base64

from app.accounts.models import User, UserProfile, UserRole
from app.db import Database, count_statements
from app.security.passwords import hash_password
from tests.support.accounts import login, make_user
from tests.support.graphql import GraphQLClient

QUERY = """
query ($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on User {
      id firstName fullName email role emailVerified mfaEnabled
      profile { bio timezone language }
    }
  }
}"""


async def _insert_users(database: Database, n: int) -> list[str]:
    password_hash = hash_password("Unused-Password-1")
    async with database.transaction() as session:
        users = [
            User(
                email=f"reader{i}@example.com",
                first_name="Reader",
                last_name=str(i),
                password_hash=password_hash,
            )
            for i in range(n)
        ]
        session.add_all(users)
        await session.flush()
        session.add_all(UserProfile(user_id=u.id, bio=f"bio {i}") for i, u in enumerate(users))
    return [to_base64("User", str(u.id)) for u in users]


async def _statements_for(client: GraphQLClient, token: str, ids: list[str]) -> int:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(QUERY, {"ids": ids}, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    assert len([n for n in outcome.data["nodes"] if n]) == len(ids)
    return counter.count


@pytest.mark.parametrize("many", [20, 100])
async def test_resolving_users_with_profiles_runs_the_same_statements_for_1_and_many(
    client: GraphQLClient, database: Database, many: int
) -> None:
    admin = await make_user(database, email="admin@example.com", role=UserRole.ADMIN)
    token = (await login(client, admin.email))["accessToken"]
    ids = await _insert_users(database, many)

    one = await _statements_for(client, token, ids[:1])
    all_of_them = await _statements_for(client, token, ids)

    assert all_of_them == one, (one, all_of_them)
    assert one <= 5  # viewer + users, profiles, TOTP flags: bounded by the query shape
