"""Listing enrollments with their courses and lesson progress costs a fixed number of SQL
statements, however many enrollments there are."""

from __future__ import annotations

import pytest

from app.db import Database, count_statements
from tests.support.graphql import GraphQLClient
from tests.support.learning import enroll, free_course, person, token_for

# the GraphQL client fixtures

QUERY = """
query {
  myEnrollments(first: 20) {
    edges {
      node { course { title } progressPercentage lessonProgress { status lesson { title } } }
    }
  }
}"""


async def _statements_for(client: GraphQLClient, token: str, expected: int) -> int:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(QUERY, token=token)
    assert not outcome.errors, outcome.errors
    edges = outcome.data["myEnrollments"]["edges"]
    assert len(edges) == expected
    assert all(len(e["node"]["lessonProgress"]) == 4 for e in edges)
    return counter.count


@pytest.mark.parametrize("many", [20])
async def test_my_enrollments_with_progress_runs_the_same_statements_for_1_and_20(
    client: GraphQLClient, database: Database, many: int
) -> None:
    one_student, many_student = await person(database), await person(database)
    courses = [await free_course(database, modules=2, lessons=2) for _ in range(many)]
    await enroll(database, one_student, courses[0])
    for course in courses:
        await enroll(database, many_student, course)

    one = await _statements_for(client, token_for(client, one_student), 1)
    all_of_them = await _statements_for(client, token_for(client, many_student), many)
    assert one == all_of_them
    assert one <= 5, one
