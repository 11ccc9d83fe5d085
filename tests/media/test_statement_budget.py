"""Reading file assets costs a fixed number of SQL statements, however many are read."""

from __future__ import annotations

import uuid

import pytest
from strawberry.relay import to_base64

from app.accounts.models import User
from app.db import Database, count_statements
from app.media.models import FileAsset, FilePurpose, FileStatus, StorageBackend
from app.media.service import storage_key
from tests.support.graphql import GraphQLClient
from tests.support.media import signed_in

QUERY = """
query ($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on FileAsset { id fileName contentType size status purpose url downloadUrl }
  }
}"""


async def _insert_assets(database: Database, owner: User, n: int) -> list[str]:
    assets = []
    for i in range(n):
        asset_id = uuid.uuid4()
        purpose = FilePurpose.AVATAR if i % 2 else FilePurpose.LESSON_RESOURCE
        assets.append(
            FileAsset(
                id=asset_id,
                owner_id=owner.id,
                purpose=purpose,
                storage_backend=StorageBackend.LOCAL,
                storage_key=storage_key(purpose, owner.id, asset_id, f"file-{i}.png"),
                file_name=f"file-{i}.png",
                content_type="image/png",
                size_bytes=100,
                status=FileStatus.UPLOADED,
            )
        )
    async with database.transaction() as session:
        session.add_all(assets)
    return [to_base64("FileAsset", str(a.id)) for a in assets]


async def _statements_for(client: GraphQLClient, token: str, ids: list[str]) -> int:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(QUERY, {"ids": ids}, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    assert all(node and node["url"] for node in outcome.data["nodes"])
    return counter.count


@pytest.mark.parametrize("many", [20, 100])
async def test_reading_files_runs_the_same_statements_for_1_and_many(
    client: GraphQLClient, many: int
) -> None:
    owner, token = await signed_in(client)
    ids = await _insert_assets(client.database, owner, many)

    one = await _statements_for(client, token, ids[:1])
    all_of_them = await _statements_for(client, token, ids)

    assert all_of_them == one, (one, all_of_them)
    assert one <= 2  # the viewer, the assets
