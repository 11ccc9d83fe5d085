"""A course knows its viewer: `Course.viewerEnrollment` with the enrollment's status, live
progress percentage and next lesson; `Enrollment.progressPercentage` and `nextLesson`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from app.catalog.models import Lesson
from app.db import Database
from app.learning.models import Enrollment, EnrollmentStatus
from tests.support.graphql import GraphQLClient
from tests.support.learning import (
    complete,
    free_course,
    gid,
    lessons_of,
    modules_of,
    person,
    require_module,
    student_in,
    token_for,
)

# the GraphQL client fixtures

COURSE = """
query ($id: ID!) {
  course(id: $id) {
    title
    viewerEnrollment { id status progressPercentage nextLesson { id title } }
  }
}"""


async def viewer_enrollment(client: GraphQLClient, course_id: Any, token: str | None) -> Any:
    outcome = await client.execute(COURSE, {"id": gid("Course", course_id)}, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return outcome.data["course"]["viewerEnrollment"]


async def test_an_anonymous_or_not_enrolled_viewer_has_no_enrollment_and_no_error(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database)
    await student_in(database, course)  # someone else's enrollment stays invisible
    assert await viewer_enrollment(client, course.id, None) is None
    stranger = token_for(client, await person(database))
    assert await viewer_enrollment(client, course.id, stranger) is None


async def test_an_enrolled_viewer_sees_status_progress_and_the_next_lesson(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database, modules=2, lessons=2)
    first, second, _, _ = await lessons_of(database, course.id)
    student, enrollment = await student_in(database, course)
    token = token_for(client, student)
    assert await viewer_enrollment(client, course.id, token) == {
        "id": gid("Enrollment", enrollment.id),
        "status": "ACTIVE",
        "progressPercentage": 0,
        "nextLesson": {"id": gid("Lesson", first.id), "title": first.title},
    }

    await complete(database, enrollment, first.id)

    mine = await viewer_enrollment(client, course.id, token)
    assert (mine["progressPercentage"], mine["nextLesson"]["title"]) == (25, second.title)


async def test_the_next_lesson_skips_a_module_behind_an_unfinished_prerequisite(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database, modules=3, lessons=1)
    _, second_module, third_module = await modules_of(database, course.id)
    await require_module(database, second_module.id, third_module.id)
    first, _, third = await lessons_of(database, course.id)
    student, enrollment = await student_in(database, course)
    await complete(database, enrollment, first.id)

    mine = await viewer_enrollment(client, course.id, token_for(client, student))
    assert mine["nextLesson"]["title"] == third.title


async def test_a_completed_course_has_no_next_lesson(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database, modules=1, lessons=2)
    student, enrollment = await student_in(database, course)
    for lesson in await lessons_of(database, course.id):
        await complete(database, enrollment, lesson.id)

    mine = await viewer_enrollment(client, course.id, token_for(client, student))
    assert mine["status"] == "COMPLETED"
    assert (mine["progressPercentage"], mine["nextLesson"]) == (100, None)


async def test_a_withdrawn_enrollment_shows_with_its_status(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database)
    student, enrollment = await student_in(database, course)
    async with database.transaction() as session:
        await session.execute(
            update(Enrollment)
            .where(Enrollment.id == enrollment.id)
            .values(status=EnrollmentStatus.DROPPED)
        )
    mine = await viewer_enrollment(client, course.id, token_for(client, student))
    assert mine["status"] == "DROPPED"


async def test_the_percentage_is_live_when_lessons_are_added_after_enrolling(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database, modules=1, lessons=1)
    (only,) = await lessons_of(database, course.id)
    student, enrollment = await student_in(database, course)
    await complete(database, enrollment, only.id)
    async with database.transaction() as session:
        late = Lesson(
            module_id=only.module_id,
            course_id=course.id,
            type="text",
            title="Late",
            order_number=2,
        )
        session.add(late)

    mine = await viewer_enrollment(client, course.id, token_for(client, student))
    assert (mine["progressPercentage"], mine["nextLesson"]) == (
        50,
        {"id": gid("Lesson", late.id), "title": "Late"},
    )
