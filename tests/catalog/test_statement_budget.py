"""A page of courses with all its relations costs a fixed number of SQL statements, however many
courses, modules and lessons it holds (every relation goes through a batch loader)."""

from __future__ import annotations

import pytest

from app.accounts.models import UserRole
from app.db import Database, count_statements
from tests.support import accounts as accounts
from tests.support import catalog as f
from tests.support.graphql import GraphQLClient

CATALOG_PAGE = """
query($first: Int!) {
  courses(first: $first, sort: NEWEST) {
    totalCount
    edges { node {
      id title price { amount currency }
      category { name }
      instructor { fullName title user { firstName } }
      tags { name }
      pricingTiers { tier price { amount } }
      lessonCount durationMinutes
      modules {
        title durationMinutes
        lessons { title isPreview locked content { text } }
      }
    } }
  }
}"""

# viewer, page, COUNT, category, instructor users, instructor profiles, tags, tiers, lesson
# stats, modules, lessons, the viewer's enrollments: one statement each
BUDGET = 12


async def _statements(client: GraphQLClient, token: str, first: int) -> int:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(CATALOG_PAGE, {"first": first}, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    edges = outcome.data["courses"]["edges"]
    assert len(edges) == first
    contents = [x["content"] for e in edges for m in e["node"]["modules"] for x in m["lessons"]]
    assert len(contents) == first * 6
    assert all(c is not None for c in contents)  # the enrolled viewer reads every lesson
    return counter.count


@pytest.mark.parametrize("many", [20, 100])
async def test_a_course_page_runs_the_same_statements_for_1_and_many_courses(
    client: GraphQLClient, database: Database, many: int
) -> None:
    owners = [await f.instructor(database) for _ in range(3)]
    categories = await f.categories(database, "Code", "Data")
    tags = await f.tags(database, "Python", "SQL")
    student = await f.person(database, UserRole.STUDENT)
    async with database.transaction() as session:
        courses = [
            f.build_course(
                session,
                owners[i % 3].id,
                category_id=categories[i % 2].id,
                tag_ids=[t.id for t in tags[: i % 3]],
                modules=3,
                lessons=2,
                age_days=i,
            )
            for i in range(many)
        ]
        await session.flush()
        session.add_all(f.enrollment(student.id, c.id) for c in courses)
    token = f.token_for(client, student)

    one = await _statements(client, token, 1)
    all_of_them = await _statements(client, token, many)

    assert all_of_them == one, (one, all_of_them)
    assert one <= BUDGET
