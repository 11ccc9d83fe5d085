"""Reading users and their relations costs a fixed number of SQL statements, however many."""

from __future__ import annotations

import uuid

import pytest
from strawberry.relay import to_base64

from app.accounts.models import User, UserProfile, UserRole
from app.db import Database, count_statements
from app.media.models import FileAsset, FilePurpose, FileStatus, StorageBackend
from app.media.service import storage_key
from app.security.passwords import hash_password
from tests.support.accounts import login, make_user
from tests.support.graphql import GraphQLClient

QUERY = """
query ($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on User {
      id firstName fullName email role emailVerified mfaEnabled
      profile { bio timezone language avatarUrl }
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
        avatars = [_avatar(u) for u in users]
        session.add_all(avatars)
        await session.flush()
        session.add_all(
            UserProfile(user_id=u.id, bio=f"bio {i}", avatar_asset_id=a.id)
            for i, (u, a) in enumerate(zip(users, avatars, strict=True))
        )
    return [to_base64("User", str(u.id)) for u in users]


def _avatar(user: User) -> FileAsset:
    asset_id = uuid.uuid4()
    return FileAsset(
        id=asset_id,
        owner_id=user.id,
        purpose=FilePurpose.AVATAR,
        storage_backend=StorageBackend.LOCAL,
        storage_key=storage_key(FilePurpose.AVATAR, user.id, asset_id, "me.png"),
        file_name="me.png",
        content_type="image/png",
        size_bytes=100,
        status=FileStatus.UPLOADED,
    )


async def _statements_for(client: GraphQLClient, token: str, ids: list[str]) -> int:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(QUERY, {"ids": ids}, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    assert len([n for n in outcome.data["nodes"] if n["profile"]["avatarUrl"]]) == len(ids)
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
    assert one <= 6  # viewer + users, profiles, TOTP flags, avatars: bounded by the query shape
