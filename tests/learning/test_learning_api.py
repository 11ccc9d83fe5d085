"""The enrollment and progress API: enrollInCourse, withdrawEnrollment, updateLessonProgress,
completeLesson, myEnrollments, enrollment, enrollmentProgress."""

from __future__ import annotations

import asyncio
from typing import Any

from app.accounts.models import User, UserRole
from app.catalog.models import CourseInstructor, LessonType
from app.db import Database
from app.learning.models import EnrollmentStatus
from tests.support.graphql import GraphQLClient
from tests.support.learning import (
    free_course,
    gid,
    lessons_of,
    modules_of,
    paid_course,
    person,
    quiz_on,
    record,
    reload,
    require_module,
    set_lesson_type,
    student_in,
    token_for,
)

# the GraphQL client fixtures

ENROLLMENT_FIELDS = "enrollment { id status progressPercentage course { title } }"
PROGRESS_FIELDS = (
    "lessonProgress { status watchTimeSeconds positionSeconds lesson { title } } "
    "enrollment { progressPercentage status lastLesson { title } }"
)
MINE = """
query ($status: EnrollmentStatus) {
  myEnrollments(status: $status, first: 10) {
    edges { node { id status course { title } } }
  }
}"""
ONE = "query ($id: ID!) { enrollment(id: $id) { id student { id } status } }"
PROGRESS = """
query ($id: ID!) {
  enrollmentProgress(enrollmentId: $id) {
    completedLessons totalLessons percentage completedModules totalModules
    nextRecommendedLesson { title } resumeLesson { title } resumePositionSeconds
    estimatedMinutesRemaining
    strugglingAreas { reason quizScore passingScore attemptsCount lesson { title } }
  }
}"""


async def enroll_via_api(client: GraphQLClient, user: User, course_id: Any) -> Any:
    outcome = await client.mutate(
        "enrollInCourse",
        {"courseId": gid("Course", course_id)},
        ENROLLMENT_FIELDS,
        token=token_for(client, user),
    )
    assert not outcome.errors, outcome.errors
    return outcome.payload("enrollInCourse")


async def test_a_student_enrolls_in_a_free_course(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database)
    payload = await enroll_via_api(client, await person(database), course.id)
    assert payload["errors"] == []
    assert payload["enrollment"]["status"] == "ACTIVE"
    assert payload["enrollment"]["progressPercentage"] == 0
    assert payload["enrollment"]["course"]["title"] == course.title


async def test_enrolling_in_a_paid_course_says_to_buy_it(
    client: GraphQLClient, database: Database
) -> None:
    course = await paid_course(database)
    payload = await enroll_via_api(client, await person(database), course.id)
    assert payload["enrollment"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("courseId", "COURSE_NOT_FREE")]


async def test_property_22_two_concurrent_enroll_requests_make_one_enrollment(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database)
    student = await person(database)
    first, second = await asyncio.gather(
        enroll_via_api(client, student, course.id), enroll_via_api(client, student, course.id)
    )
    codes = sorted(e["code"] for p in (first, second) for e in p["errors"])
    assert codes == ["ALREADY_ENROLLED"]
    assert [p["enrollment"] is not None for p in (first, second)].count(True) == 1


async def test_enrolling_needs_a_signed_in_user(client: GraphQLClient, database: Database) -> None:
    course = await free_course(database)
    outcome = await client.mutate(
        "enrollInCourse", {"courseId": gid("Course", course.id)}, ENROLLMENT_FIELDS
    )
    assert outcome.errors
    assert outcome.errors[0].extensions["code"] == "UNAUTHENTICATED"


async def test_withdrawing_and_listing_enrollments_by_status(
    client: GraphQLClient, database: Database
) -> None:
    kept, left = await free_course(database), await free_course(database)
    student = await person(database)
    await enroll_via_api(client, student, kept.id)
    dropped = (await enroll_via_api(client, student, left.id))["enrollment"]["id"]
    token = token_for(client, student)
    outcome = await client.mutate(
        "withdrawEnrollment",
        {"enrollmentId": dropped, "reason": "No time"},
        "enrollment { status }",
        token=token,
    )
    assert outcome.payload("withdrawEnrollment")["enrollment"]["status"] == "DROPPED"

    def titles(data: Any) -> list[str]:
        return [e["node"]["course"]["title"] for e in data["myEnrollments"]["edges"]]

    everything = await client.execute(MINE, token=token)
    active = await client.execute(MINE, {"status": "ACTIVE"}, token=token)
    assert titles(everything.data) == [left.title, kept.title]
    assert titles(active.data) == [kept.title]


async def test_an_enrollment_is_seen_by_its_student_teachers_and_admins_only(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database)
    student, enrollment = await student_in(database, course)
    helper = await person(database, UserRole.INSTRUCTOR)
    async with database.transaction() as session:
        session.add(CourseInstructor(course_id=course.id, user_id=helper.id))
    admin = await person(database, UserRole.ADMIN)
    stranger = await person(database)
    owner = await database_user(database, course.instructor_id)
    variables = {"id": gid("Enrollment", enrollment.id)}

    for viewer in (student, owner, helper, admin):
        outcome = await client.execute(ONE, variables, token=token_for(client, viewer))
        assert not outcome.errors, outcome.errors
        assert outcome.data["enrollment"]["student"]["id"] == gid("User", student.id)
    outcome = await client.execute(ONE, variables, token=token_for(client, stranger))
    assert outcome.data == {"enrollment": None}
    assert [(e.path, e.extensions["code"]) for e in outcome.errors] == [
        (["enrollment"], "NOT_FOUND")
    ]
    nodes = await client.execute(
        "query ($id: ID!) { node(id: $id) { id } }", variables, token=token_for(client, stranger)
    )
    assert nodes.data == {"node": None}


async def database_user(database: Database, user_id: Any) -> User:
    async with database.session() as session:
        found = await session.get(User, user_id)
        assert found is not None
        return found


async def test_progress_mutations_record_watch_time_and_completion(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database, modules=1, lessons=2)
    first, _ = await lessons_of(database, course.id)
    student, _ = await student_in(database, course)
    token = token_for(client, student)
    ids = {"lessonId": gid("Lesson", first.id)}

    watched = await client.mutate(
        "updateLessonProgress",
        {**ids, "watchTimeSeconds": 90, "positionSeconds": 80},
        PROGRESS_FIELDS,
        token=token,
    )
    payload = watched.payload("updateLessonProgress")
    assert payload["lessonProgress"] == {
        "status": "IN_PROGRESS",
        "watchTimeSeconds": 90,
        "positionSeconds": 80,
        "lesson": {"title": first.title},
    }
    assert payload["enrollment"]["lastLesson"] == {"title": first.title}

    done = await client.mutate("completeLesson", ids, PROGRESS_FIELDS, token=token)
    payload = done.payload("completeLesson")
    assert payload["lessonProgress"]["status"] == "COMPLETED"
    assert payload["enrollment"]["progressPercentage"] == 50


async def test_progress_errors_are_typed(client: GraphQLClient, database: Database) -> None:
    course = await free_course(database, modules=2, lessons=1)
    intro, advanced = await modules_of(database, course.id)
    await require_module(database, advanced.id, intro.id)
    _, later = await lessons_of(database, course.id)
    student, _ = await student_in(database, course)
    ids = {"lessonId": gid("Lesson", later.id)}

    locked = await client.mutate(
        "completeLesson", ids, PROGRESS_FIELDS, token=token_for(client, student)
    )
    assert [(e["field"], e["code"]) for e in locked.payload("completeLesson")["errors"]] == [
        ("lessonId", "PREREQUISITE_NOT_MET")
    ]
    other = await client.mutate(
        "completeLesson", ids, PROGRESS_FIELDS, token=token_for(client, await person(database))
    )
    assert other.payload("completeLesson") == {
        "lessonProgress": None,
        "enrollment": None,
        "errors": [
            {"field": "lessonId", "code": "NOT_ENROLLED", "message": "Enroll in this course first"}
        ],
    }
    out_of_range = await client.mutate(
        "updateLessonProgress",
        {**ids, "watchTimeSeconds": -1, "positionSeconds": 10**9},
        PROGRESS_FIELDS,
        token=token_for(client, student),
    )
    assert [
        (e["field"], e["code"]) for e in out_of_range.payload("updateLessonProgress")["errors"]
    ] == [("watchTimeSeconds", "OUT_OF_RANGE"), ("positionSeconds", "OUT_OF_RANGE")]
    unknown = await client.mutate(
        "completeLesson",
        {"lessonId": gid("Course", later.id)},
        PROGRESS_FIELDS,
        token=token_for(client, student),
    )
    assert unknown.codes == ["NOT_FOUND"]


async def test_enrollment_progress_recommends_resumes_estimates_and_flags_struggles(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database, modules=2, lessons=2)
    first, second, quiz, last = await lessons_of(database, course.id)
    await set_lesson_type(database, quiz.id, LessonType.QUIZ)
    student, enrollment = await student_in(database, course)
    token = token_for(client, student)
    enrollment_id = gid("Enrollment", enrollment.id)
    await client.mutate("completeLesson", {"lessonId": gid("Lesson", first.id)}, "", token=token)
    await client.mutate(
        "updateLessonProgress",
        {"lessonId": gid("Lesson", last.id), "positionSeconds": 42},
        "",
        token=token,
    )
    await record(database, enrollment, quiz.id, "35", passed=False)

    outcome = await client.execute(PROGRESS, {"id": enrollment_id}, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data["enrollmentProgress"] == {
        "completedLessons": 1,
        "totalLessons": 4,
        "percentage": 25.0,
        "completedModules": 0,
        "totalModules": 2,
        "nextRecommendedLesson": {"title": second.title},
        "resumeLesson": {"title": last.title},
        "resumePositionSeconds": 42,
        "estimatedMinutesRemaining": 30,
        "strugglingAreas": [
            {
                "reason": "LOW_SCORE",
                "quizScore": 35.0,
                "passingScore": 70,
                "attemptsCount": 1,
                "lesson": {"title": quiz.title},
            }
        ],
    }
    stranger = await client.execute(
        PROGRESS, {"id": enrollment_id}, token=token_for(client, await person(database))
    )
    assert stranger.data == {"enrollmentProgress": None}
    assert [(e.path, e.extensions["code"]) for e in stranger.errors] == [
        (["enrollmentProgress"], "NOT_FOUND")
    ]


async def test_next_recommended_lesson_skips_lessons_behind_a_prerequisite(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database, modules=3, lessons=1)
    _, second_module, third_module = await modules_of(database, course.id)
    await require_module(database, second_module.id, third_module.id)
    first, _, third = await lessons_of(database, course.id)
    student, enrollment = await student_in(database, course)
    token = token_for(client, student)
    variables = {"id": gid("Enrollment", enrollment.id)}
    await client.mutate("completeLesson", {"lessonId": gid("Lesson", first.id)}, "", token=token)

    outcome = await client.execute(PROGRESS, variables, token=token)
    data = outcome.data["enrollmentProgress"]
    assert data["nextRecommendedLesson"] == {"title": third.title}
    assert data["completedModules"] == 1
    assert data["strugglingAreas"] == []
    assert (await reload(database, enrollment.id)).status == EnrollmentStatus.ACTIVE


async def test_attempts_without_completion_are_a_struggling_area(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database, modules=1, lessons=1)
    (task,) = await lessons_of(database, course.id)
    await set_lesson_type(database, task.id, LessonType.ASSIGNMENT)
    student, enrollment = await student_in(database, course)
    await record(database, enrollment, task.id, "80", passed=False)
    outcome = await client.execute(
        PROGRESS, {"id": gid("Enrollment", enrollment.id)}, token=token_for(client, student)
    )
    areas = outcome.data["enrollmentProgress"]["strugglingAreas"]
    assert [(a["reason"], a["lesson"]["title"]) for a in areas] == [("NOT_PASSED", task.title)]


async def test_withdrawal_errors_name_their_input_fields(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database)
    student, enrollment = await student_in(database, course)
    token = token_for(client, student)
    enrollment_id = gid("Enrollment", enrollment.id)

    too_long = await client.mutate(
        "withdrawEnrollment",
        {"enrollmentId": enrollment_id, "reason": "x" * 1001},
        "enrollment { status }",
        token=token,
    )
    assert [(e["field"], e["code"]) for e in too_long.payload("withdrawEnrollment")["errors"]] == [
        ("reason", "TOO_LONG")
    ]
    await client.mutate(
        "withdrawEnrollment", {"enrollmentId": enrollment_id}, "enrollment { status }", token=token
    )
    again = await client.mutate(
        "withdrawEnrollment", {"enrollmentId": enrollment_id}, "enrollment { status }", token=token
    )
    assert again.payload("withdrawEnrollment") == {
        "enrollment": None,
        "errors": [
            {
                "field": "enrollmentId",
                "code": "NOT_ACTIVE",
                "message": "Only an active enrollment can be withdrawn",
            }
        ],
    }
    stranger = await client.mutate(
        "withdrawEnrollment",
        {"enrollmentId": enrollment_id},
        "enrollment { status }",
        token=token_for(client, await person(database)),
    )
    assert stranger.codes == ["NOT_FOUND"]


async def test_a_progress_payload_carries_the_enrollment_with_its_next_lesson(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database, modules=1, lessons=3)
    first, second, _ = await lessons_of(database, course.id)
    student, enrollment = await student_in(database, course)
    done = await client.mutate(
        "completeLesson",
        {"lessonId": gid("Lesson", first.id)},
        "lessonProgress { status lesson { id } } "
        "enrollment { id progressPercentage nextLesson { id } }",
        token=token_for(client, student),
    )
    assert done.payload("completeLesson") == {
        "lessonProgress": {"status": "COMPLETED", "lesson": {"id": gid("Lesson", first.id)}},
        "enrollment": {
            "id": gid("Enrollment", enrollment.id),
            "progressPercentage": 33.33,
            "nextLesson": {"id": gid("Lesson", second.id)},
        },
        "errors": [],
    }


async def test_a_struggling_area_uses_the_quiz_s_own_passing_score(
    client: GraphQLClient, database: Database
) -> None:
    course = await free_course(database, modules=1, lessons=2)
    strict, lenient = await lessons_of(database, course.id)
    for lesson, passing in ((strict, 90), (lenient, 40)):
        await set_lesson_type(database, lesson.id, LessonType.QUIZ)
        await quiz_on(database, lesson.id, passing)
    student, enrollment = await student_in(database, course)
    await record(database, enrollment, strict.id, "80", passed=False)
    await record(database, enrollment, lenient.id, "50", passed=True)

    outcome = await client.execute(
        PROGRESS, {"id": gid("Enrollment", enrollment.id)}, token=token_for(client, student)
    )
    assert not outcome.errors, outcome.errors
    areas = outcome.data["enrollmentProgress"]["strugglingAreas"]
    assert [(a["reason"], a["passingScore"], a["lesson"]["title"]) for a in areas] == [
        ("LOW_SCORE", 90, strict.title)
    ]
