"""A course's teaching team: who the owner may add, and the rights each role gets.

owner: everything; co-instructor: content and grading; teaching assistant: grading only; only
the owner (or an admin) manages the team, pricing, publication, deletion and certification."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from app.accounts.models import User, UserRole
from app.assessments import assignments
from app.catalog.models import Course, CourseInstructorRole, CourseStatus
from app.db import Database
from app.errors import Forbidden
from app.notifications.models import Notification
from app.security.permissions import Actor
from tests.instructors.support import join
from tests.support import catalog as f
from tests.support.assignments import assignment_in, classroom, storage, student_in
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

TEAM = "course { instructors { role instructor { fullName } } }"


async def add(client: GraphQLClient, owner: User, course: Course, **input_: Any) -> Any:
    return await client.mutate(
        "addCourseInstructor",
        {"courseId": gid("Course", course.id), **input_},
        TEAM,
        token=token_for(client, owner),
    )


async def test_the_owner_adds_a_co_instructor_by_email_who_is_told(
    client: GraphQLClient, database: Database
) -> None:
    owner = await f.instructor(database)
    helper = await person(database, UserRole.INSTRUCTOR, first_name="Co", last_name="Teacher")
    course = await f.course(database, owner.id)

    result = (await add(client, owner, course, email=helper.email, role="CO_INSTRUCTOR")).payload(
        "addCourseInstructor"
    )

    assert result["errors"] == []
    assert [t["role"] for t in result["course"]["instructors"]] == ["OWNER", "CO_INSTRUCTOR"]
    async with database.session() as session:
        told = await session.scalar(
            select(func.count()).where(Notification.recipient_id == helper.id)
        )
    assert told == 1


async def test_only_instructors_co_instruct_but_anyone_active_may_assist(
    client: GraphQLClient, database: Database
) -> None:
    owner = await f.instructor(database)
    student = await person(database)
    course = await f.course(database, owner.id)

    refused = (
        await add(client, owner, course, userId=gid("User", student.id), role="CO_INSTRUCTOR")
    ).payload("addCourseInstructor")
    assisted = (
        await add(client, owner, course, userId=gid("User", student.id), role="TEACHING_ASSISTANT")
    ).payload("addCourseInstructor")

    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("userId", "NOT_AN_INSTRUCTOR")]
    assert assisted["errors"] == []


async def test_adding_the_owner_someone_twice_or_nobody_is_refused(
    client: GraphQLClient, database: Database
) -> None:
    owner = await f.instructor(database)
    helper = await f.instructor(database)
    course = await f.course(database, owner.id)
    await join(database, course, helper)

    cases = [
        ({"userId": gid("User", owner.id)}, "ALREADY_ON_TEAM"),
        ({"userId": gid("User", helper.id)}, "ALREADY_ON_TEAM"),
        ({"email": "nobody@example.com"}, "USER_NOT_FOUND"),
    ]
    for input_, code in cases:
        result = (await add(client, owner, course, role="CO_INSTRUCTOR", **input_)).payload(
            "addCourseInstructor"
        )
        assert [e["code"] for e in result["errors"]] == [code]


async def test_removing_takes_every_right_away(client: GraphQLClient, database: Database) -> None:
    owner = await f.instructor(database)
    helper = await f.instructor(database)
    course = await f.course(database, owner.id, status=CourseStatus.DRAFT)
    await join(database, course, helper)

    removed = await client.mutate(
        "removeCourseInstructor",
        {"courseId": gid("Course", course.id), "userId": gid("User", helper.id)},
        TEAM,
        token=token_for(client, owner),
    )
    again = await client.mutate(
        "removeCourseInstructor",
        {"courseId": gid("Course", course.id), "userId": gid("User", helper.id)},
        TEAM,
        token=token_for(client, owner),
    )
    edit = await _update(client, helper, course)

    assert removed.payload("removeCourseInstructor")["errors"] == []
    assert [e["code"] for e in again.payload("removeCourseInstructor")["errors"]] == ["NOT_ON_TEAM"]
    assert edit.codes == ["NOT_FOUND"]  # a draft they no longer see


async def _update(client: GraphQLClient, user: User, course: Course) -> Any:
    return await client.mutate(
        "updateCourse",
        {"courseId": gid("Course", course.id), "subtitle": "Edited"},
        "course { subtitle }",
        token=token_for(client, user),
    )


async def _module(client: GraphQLClient, user: User, course: Course) -> Any:
    return await client.mutate(
        "addModule",
        {"courseId": gid("Course", course.id), "title": "Extra"},
        "module { title }",
        token=token_for(client, user),
    )


async def _exam(client: GraphQLClient, user: User, course: Course) -> Any:
    return await client.mutate(
        "createExam",
        {"courseId": gid("Course", course.id), "title": "Final", "durationMinutes": 30},
        "exam { title }",
        token=token_for(client, user),
    )


async def _pricing(client: GraphQLClient, user: User, course: Course) -> Any:
    return await client.mutate(
        "setCoursePricing",
        {"courseId": gid("Course", course.id), "isFree": True},
        "course { isFree }",
        token=token_for(client, user),
    )


async def _submit(client: GraphQLClient, user: User, course: Course) -> Any:
    return await client.mutate(
        "submitCourseForReview",
        {"courseId": gid("Course", course.id)},
        "course { status }",
        token=token_for(client, user),
    )


async def _team(client: GraphQLClient, user: User, course: Course) -> Any:
    other = await f.instructor(client.database)
    return await add(client, user, course, userId=gid("User", other.id), role="CO_INSTRUCTOR")


async def _certify(client: GraphQLClient, user: User, course: Course) -> Any:
    return await client.mutate(
        "setCourseCertification",
        {"courseId": gid("Course", course.id), "isCertified": False, "requiresFinalExam": False},
        "course { isCertified }",
        token=token_for(client, user),
    )


async def _queue(client: GraphQLClient, user: User, course: Course) -> Any:
    return await client.execute(
        "query($id: ID!) { gradingQueue(courseId: $id) { totalCount } }",
        {"id": gid("Course", course.id)},
        token=token_for(client, user),
    )


async def _gradebook(client: GraphQLClient, user: User, course: Course) -> Any:
    return await client.execute(
        "query($id: ID!) { courseGradebook(courseId: $id) { __typename } }",
        {"id": gid("Course", course.id)},
        token=token_for(client, user),
    )


ACTIONS = {
    "edit details": _update,
    "add a module": _module,
    "author an exam": _exam,
    "set pricing": _pricing,
    "submit for review": _submit,
    "manage the team": _team,
    "set certification": _certify,
    "read the grading queue": _queue,
    "read the gradebook": _gradebook,
}
RIGHTS = {
    "co_instructor": {
        "edit details",
        "add a module",
        "author an exam",
        "read the grading queue",
        "read the gradebook",
    },
    "teaching_assistant": {"read the grading queue", "read the gradebook"},
}


@pytest.mark.parametrize("role", ["co_instructor", "teaching_assistant"])
@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_each_role_gets_exactly_its_rights(
    client: GraphQLClient, database: Database, role: str, action: str
) -> None:
    owner = await f.instructor(database)
    member = await (f.instructor(database) if role == "co_instructor" else person(database))
    course = await f.course(database, owner.id, status=CourseStatus.DRAFT, tiers=())
    await join(database, course, member, CourseInstructorRole(role))

    outcome = await ACTIONS[action](client, member, course)

    if action in RIGHTS[role]:
        assert outcome.codes == [], outcome.errors
    else:
        assert outcome.codes == ["FORBIDDEN"]  # on the team: they see the course


@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_the_owner_has_every_right(
    client: GraphQLClient, database: Database, action: str
) -> None:
    owner = await f.instructor(database)
    course = await f.course(database, owner.id, status=CourseStatus.DRAFT, tiers=())

    outcome = await ACTIONS[action](client, owner, course)

    assert outcome.codes == [], outcome.errors


async def test_a_teaching_assistant_grades_a_submission_but_cannot_change_the_assignment(
    database: Database,
) -> None:
    room = await classroom(database)
    assistant = await person(database)  # a student account: the right comes from the course
    await join(database, room.course, assistant, CourseInstructorRole.TEACHING_ASSISTANT)
    assignment = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    async with database.transaction() as session:
        submission = await assignments.submit_assignment(
            session, storage(), student_id=student.id, assignment_id=assignment.id, text="Done"
        )

    async with database.transaction() as session:
        graded = await assignments.grade_assignment(
            session,
            actor=Actor.of(assistant),
            submission_id=submission.id,
            points_awarded=Decimal(80),
        )
    with pytest.raises(Forbidden):
        async with database.transaction() as session:
            await assignments.update_assignment(
                session, actor=Actor.of(assistant), assignment_id=assignment.id, title="Mine"
            )

    assert graded.points_awarded == Decimal(80)
