"""myDataExports costs a fixed number of SQL statements, however many exports the user has."""

from __future__ import annotations

from app.accounts.privacy_models import DataExport, ExportState
from app.clock import utcnow
from app.db import Database, count_statements
from tests.support.accounts import make_user
from tests.support.catalog import token_for
from tests.support.graphql import GraphQLClient

QUERY = "{ myDataExports { id state createdAt completedAt expiresAt sizeBytes downloadUrl } }"


async def statements(client: GraphQLClient, token: str, expected: int) -> int:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(QUERY, token=token)
    assert len(outcome.payload("myDataExports")) == expected
    return counter.count


async def test_listing_my_exports_runs_the_same_statements_for_1_and_20(
    client: GraphQLClient, database: Database
) -> None:
    user = await make_user(database)
    token = token_for(client, user)
    now = utcnow()

    async def add(count: int) -> None:
        async with database.transaction() as session:
            session.add_all(
                DataExport(
                    user_id=user.id,
                    state=ExportState.READY,
                    storage_key=f"exports/{user.id}/{i}-{count}.zip",
                    completed_at=now,
                    expires_at=now,
                )
                for i in range(count)
            )

    await add(1)
    one = await statements(client, token, 1)
    await add(19)
    twenty = await statements(client, token, 20)

    assert twenty == one
    assert one <= 2  # the viewer, the exports
