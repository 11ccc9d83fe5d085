"""Statement budget: a page of `learningEvents` (with its statements, properties and total) and a
page of `learningEventExports` run the same number of SQL statements whatever their size."""

from __future__ import annotations

import uuid

from app.accounts.models import UserRole
from app.db import Database, count_statements
from tests.support.catalog import person, token_for
from tests.support.events import admin_token, flush, learning_events, watched
from tests.support.graphql import GraphQLClient

EXPORTS = "query { learningEventExports(first: 100) { totalCount edges { node { id status } } } }"


async def _statements(client: GraphQLClient, token: str) -> tuple[int, int]:
    with count_statements(client.database.engine) as counter:
        page = await learning_events(client, token, first=100)
    return len(page["edges"]), counter.count


async def test_a_page_costs_the_same_statements_for_1_and_many_events(
    client: GraphQLClient, database: Database
) -> None:
    learner = await person(database)
    token = await admin_token(client, database)
    watched(learner, uuid.uuid4(), 1, minutes=0)
    await flush(database)
    one = await _statements(client, token)
    for minute in range(1, 40):
        watched(learner, uuid.uuid4(), 1, minutes=minute)
    await flush(database)

    many = await _statements(client, token)

    assert (one[0], many[0]) == (1, 40)
    assert many[1] == one[1]


async def _export_statements(client: GraphQLClient, token: str) -> tuple[int, int]:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(EXPORTS, token=token)
    assert outcome.data is not None, outcome.errors
    return len(outcome.data["learningEventExports"]["edges"]), counter.count


async def test_a_page_of_exports_costs_the_same_statements_for_1_and_many(
    client: GraphQLClient, database: Database
) -> None:
    token = token_for(client, await person(database, UserRole.ADMIN))
    mutation = "mutation { exportLearningEvents(input: {}) { errors { code } } }"
    await client.execute(mutation, token=token)
    one = await _export_statements(client, token)
    for _ in range(6):
        await client.execute(mutation, token=token)

    many = await _export_statements(client, token)

    assert (one[0], many[0]) == (1, 7)
    assert many[1] == one[1]
