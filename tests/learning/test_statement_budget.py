"""Learning reads cost a fixed number of SQL statements, however many rows they return: enrollments
with their courses and lesson progress, certificates (by list, by id and through their
enrollment) with their courses, and a page of courses asking for the viewer's enrollment."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import Database, count_statements
from tests.support import catalog as f
from tests.support.graphql import GraphQLClient
from tests.support.learning import certified_courses, enroll, free_course, gid, person, token_for

# the GraphQL client fixtures

MY_ENROLLMENTS = """
query {
  myEnrollments(first: 20) {
    edges {
      node { course { title } progressPercentage lessonProgress { status lesson { title } } }
    }
  }
}"""
MY_CERTIFICATES = """
query ($first: Int!) {
  myCertificates(first: $first) {
    edges { node { id number downloadUrl course { title } } }
  }
}"""
CERTIFICATE_NODES = """
query ($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Certificate { number downloadUrl course { title } } }
}"""
EARNED_CERTIFICATES = """
query ($first: Int!) {
  myEnrollments(first: $first) {
    edges { node { status certificate { number course { title } } } }
  }
}"""
VIEWER_ENROLLMENTS = """
query ($first: Int!) {
  courses(first: $first, sort: NEWEST) {
    edges { node { title viewerEnrollment { status progressPercentage nextLesson { id } } } }
  }
}"""


async def _statements_for(client: GraphQLClient, token: str, expected: int) -> int:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(MY_ENROLLMENTS, token=token)
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
    # viewer, page, courses, their modules, the modules' lessons, progress
    assert one <= 6, one


async def _counted(
    client: GraphQLClient, query: str, variables: dict[str, Any], token: str
) -> tuple[int, Any]:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(query, variables, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return counter.count, outcome.data


async def _certificate_statements(client: GraphQLClient, database: Database, count: int) -> Any:
    student = await person(database)
    issued = await certified_courses(database, student, count)
    token = token_for(client, student)
    listed, data = await _counted(client, MY_CERTIFICATES, {"first": count}, token)
    nodes = [e["node"] for e in data["myCertificates"]["edges"]]
    assert len(nodes) == count
    assert all(n["course"]["title"] and n["downloadUrl"] for n in nodes)
    ids = [gid("Certificate", c.id) for c in issued]
    by_id, data = await _counted(client, CERTIFICATE_NODES, {"ids": ids}, token)
    assert all(n["course"]["title"] for n in data["nodes"])
    assert len(data["nodes"]) == count
    earned, data = await _counted(client, EARNED_CERTIFICATES, {"first": count}, token)
    edges = data["myEnrollments"]["edges"]
    assert len(edges) == count
    assert all(e["node"]["certificate"]["course"]["title"] for e in edges)
    return listed, by_id, earned


@pytest.mark.parametrize("many", [20, 100])
async def test_certificates_with_their_courses_run_the_same_statements_for_1_and_many(
    client: GraphQLClient, database: Database, many: int
) -> None:
    one = await _certificate_statements(client, database, 1)
    all_of_them = await _certificate_statements(client, database, many)

    assert one == all_of_them, (one, all_of_them)
    # viewer, the page or the certificates by id, courses (+ the enrollments' certificates)
    assert max(one[0], one[1]) <= 3, one
    assert one[2] <= 4, one


@pytest.mark.parametrize("many", [20, 100])
async def test_a_course_page_asking_for_the_viewer_enrollment_runs_the_same_statements(
    client: GraphQLClient, database: Database, many: int
) -> None:
    owner = await f.instructor(database)
    student = await f.person(database)
    async with database.transaction() as session:
        courses = [
            f.build_course(session, owner.id, modules=2, lessons=2, age_days=i) for i in range(many)
        ]
        await session.flush()
        session.add_all(f.enrollment(student.id, c.id) for c in courses)
    token = token_for(client, student)

    async def page(first: int) -> int:
        count, data = await _counted(client, VIEWER_ENROLLMENTS, {"first": first}, token)
        edges = data["courses"]["edges"]
        assert len(edges) == first
        assert all(e["node"]["viewerEnrollment"]["nextLesson"]["id"] for e in edges)
        assert {e["node"]["viewerEnrollment"]["status"] for e in edges} == {"ACTIVE"}
        return count

    one, all_of_them = await page(1), await page(many)

    assert one == all_of_them, (one, all_of_them)
    # viewer, page, enrollments, modules, lessons, progress, completed modules
    assert one <= 7, one
