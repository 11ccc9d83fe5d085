"""Property 61 (event logging completeness): every user action of the vocabulary — lesson viewed,
lesson completed, video watched, quiz started / submitted, exam started / submitted, assignment
submitted, enrollment, purchase, search, sign-in — logs an event with its time, user, type and
context (course, entity, properties), recorded by the service that did the action once its
transaction committed; an action that fails records nothing."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.analytics.models import AnalyticsEvent
from app.assessments import assignments as assignment_service
from app.assessments import exams as exam_service
from app.catalog.filters import CourseFilterArgs
from app.clock import frozen
from app.db import Database
from app.errors import DomainError, UserFacingError
from app.integrations.payments_local import LocalGateway
from app.learning import service as learning_service
from app.pagination import PageRequest
from app.search import service as search_service
from app.settings import Settings
from tests.support import accounts, learning, orders, quizzes
from tests.support import assignments as classrooms
from tests.support.events import flushed
from tests.support.graphql import GraphQLClient

AT = datetime(2026, 4, 7, 10, 15, tzinfo=UTC)


@dataclass
class Expected:
    event_type: str
    user_id: uuid.UUID | None
    course_id: uuid.UUID | None
    entity: tuple[str | None, uuid.UUID | None]
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    database: Database
    settings: Settings
    gateway: LocalGateway
    client: GraphQLClient


Action = Callable[[World], Awaitable[Expected]]


async def lesson_viewed(w: World) -> Expected:
    course = await learning.free_course(w.database)
    _, enrollment = await learning.student_in(w.database, course)
    lesson = (await learning.lessons_of(w.database, course.id))[1]
    with frozen(AT):
        async with w.database.transaction() as session:
            await learning_service.update_lesson_progress(
                session, student_id=enrollment.student_id, lesson_id=lesson.id, position_seconds=0
            )
    return Expected("lesson.viewed", enrollment.student_id, course.id, ("lesson", lesson.id))


async def lesson_completed(w: World) -> Expected:
    course = await learning.free_course(w.database)
    _, enrollment = await learning.student_in(w.database, course)
    lesson = (await learning.lessons_of(w.database, course.id))[0]
    with frozen(AT):
        await learning.complete(w.database, enrollment, lesson.id)
    return Expected("lesson.completed", enrollment.student_id, course.id, ("lesson", lesson.id))


async def video_watched(w: World) -> Expected:
    course = await learning.free_course(w.database)
    _, enrollment = await learning.student_in(w.database, course)
    lesson = (await learning.lessons_of(w.database, course.id))[0]
    for at, seconds in ((AT - timedelta(minutes=1), 30), (AT, 75), (AT, 60)):
        with frozen(at):  # the last report is below the total: nothing was added
            async with w.database.transaction() as session:
                await learning_service.update_lesson_progress(
                    session,
                    student_id=enrollment.student_id,
                    lesson_id=lesson.id,
                    watch_time_seconds=seconds,
                )
    return Expected(
        "video.watched", enrollment.student_id, course.id, ("lesson", lesson.id), {"seconds": 45}
    )


async def _quiz_taker(w: World) -> tuple[quizzes.Setup, Any, Any, Any]:
    setup = await quizzes.quiz_course(w.database)
    quiz, questions = await quizzes.objective_quiz(w.database, setup, passing_score_percentage=50)
    taker = await quizzes.student(w.database, setup.course.id)
    return setup, quiz, questions, taker


async def quiz_started(w: World) -> Expected:
    setup, quiz, _, taker = await _quiz_taker(w)
    with frozen(AT):
        attempt = await quizzes.start(w.database, taker, quiz)
    return Expected(
        "quiz.started",
        taker.id,
        setup.course.id,
        ("quiz", quiz.id),
        {"attempt_id": str(attempt.id)},
    )


async def quiz_submitted(w: World) -> Expected:
    setup, quiz, questions, taker = await _quiz_taker(w)
    with frozen(AT):
        attempt = await quizzes.start(w.database, taker, quiz)
        for question in questions:
            await quizzes.save(w.database, taker, attempt.id, question, quizzes.right(question))
        await quizzes.submit(w.database, taker, attempt.id)
    return Expected(
        "quiz.submitted",
        taker.id,
        setup.course.id,
        ("quiz", quiz.id),
        {"attempt_id": str(attempt.id), "score": 100.0, "passed": True, "duration_seconds": 0},
    )


async def _exam_taker(w: World) -> tuple[Any, Any, Any]:
    room = await classrooms.classroom(w.database)
    exam = await classrooms.exam_in(room, w.database)
    taker = await classrooms.student_in(w.database, room.course.id)
    return room, exam, taker


async def _start_exam(w: World, taker: Any, exam: Any) -> Any:
    async with w.database.transaction() as session:
        return await exam_service.start_exam(session, student_id=taker.id, exam_id=exam.id)


async def exam_started(w: World) -> Expected:
    room, exam, taker = await _exam_taker(w)
    with frozen(AT):
        attempt = await _start_exam(w, taker, exam)
    return Expected(
        "exam.started", taker.id, room.course.id, ("exam", exam.id), {"attempt_id": str(attempt.id)}
    )


async def exam_submitted(w: World) -> Expected:
    room, exam, taker = await _exam_taker(w)
    with frozen(AT):
        attempt = await _start_exam(w, taker, exam)
        async with w.database.transaction() as session:
            await exam_service.submit_exam(
                session, classrooms.storage(), student_id=taker.id, submission_id=attempt.id
            )
    return Expected(
        "exam.submitted",
        taker.id,
        room.course.id,
        ("exam", exam.id),
        {"attempt_id": str(attempt.id), "score": None, "passed": None},
    )


async def assignment_submitted(w: World) -> Expected:
    room = await classrooms.classroom(w.database)
    assignment = await classrooms.assignment_in(room, w.database)
    taker = await classrooms.student_in(w.database, room.course.id)
    with frozen(AT):
        async with w.database.transaction() as session:
            submission = await assignment_service.submit_assignment(
                session,
                classrooms.storage(),
                student_id=taker.id,
                assignment_id=assignment.id,
                text="My essay.",
            )
    return Expected(
        "assignment.submitted",
        taker.id,
        room.course.id,
        ("assignment", assignment.id),
        {"submission_id": str(submission.id), "revision": 1, "late": False},
    )


async def enrollment_created(w: World) -> Expected:
    course = await learning.free_course(w.database)
    student = await learning.person(w.database)
    with frozen(AT):
        enrollment = await learning.enroll(w.database, student, course)
    return Expected(
        "enrollment.created",
        student.id,
        course.id,
        ("enrollment", enrollment.id),
        {"source": "free"},
    )


async def purchase_completed(w: World) -> Expected:
    buyer, [course] = await orders.buyer_with_cart(w.database, prices=(2500,))
    result = await orders.checkout(w.database, w.gateway, buyer)
    with frozen(AT):
        await orders.pay(w.database, w.gateway, result.order)
    return Expected(
        "purchase.completed",
        buyer.id,
        course.id,
        ("order", result.order.id),
        {"amount_minor": 2500, "currency": "USD"},
    )


async def search_performed(w: World) -> Expected:
    searcher = await learning.person(w.database)
    with frozen(AT):
        await search_service.search_courses(
            w.database,
            w.settings,
            query="  Quantum   PHYSICS ",
            filter_args=CourseFilterArgs(),
            request=PageRequest.create(first=5),
            user_id=searcher.id,
        )
    return Expected(
        "search.performed",
        searcher.id,
        None,
        (None, None),
        {"query": "quantum physics", "results": 0},
    )


async def user_signed_in(w: World) -> Expected:
    user = await accounts.make_user(w.database)
    with frozen(AT):
        await accounts.login(w.client, user.email)
    return Expected("user.signed_in", user.id, None, (None, None), {"method": "password"})


ACTIONS: dict[str, Action] = {
    "lesson.viewed": lesson_viewed,
    "lesson.completed": lesson_completed,
    "video.watched": video_watched,
    "quiz.started": quiz_started,
    "quiz.submitted": quiz_submitted,
    "exam.started": exam_started,
    "exam.submitted": exam_submitted,
    "assignment.submitted": assignment_submitted,
    "enrollment.created": enrollment_created,
    "purchase.completed": purchase_completed,
    "search.performed": search_performed,
    "user.signed_in": user_signed_in,
}


@pytest.fixture
def world(
    database: Database, settings: Settings, redis_client: Any, client: GraphQLClient
) -> World:
    return World(database, settings, LocalGateway(settings, redis_client), client)


@pytest.mark.parametrize("action", list(ACTIONS))
async def test_property_61_each_user_action_logs_an_event_with_its_context(
    world: World, action: str
) -> None:
    expected = await ACTIONS[action](world)

    found = await flushed(world.database, expected.event_type)

    [event] = [e for e in found if e.occurred_at == AT]
    assert (event.event_type, event.user_id, event.course_id) == (
        expected.event_type,
        expected.user_id,
        expected.course_id,
    )
    assert (event.entity_type, event.entity_id) == expected.entity
    assert expected.properties.items() <= event.properties.items()
    assert_no_personal_data(event)


def assert_no_personal_data(event: AnalyticsEvent) -> None:
    text = str(event.properties)
    assert "@" not in text
    assert "Hopper" not in text
    assert "Lovelace" not in text


def test_property_61_every_event_type_of_the_vocabulary_has_a_site() -> None:
    from app.analytics import EventType

    assert set(ACTIONS) == {t.value for t in EventType}


# --- nothing for what failed --------------------------------------------------------------------


async def test_a_failed_enrollment_records_no_event(database: Database) -> None:
    course = await learning.free_course(database)
    student, _ = await learning.student_in(database, course)

    with pytest.raises(DomainError):
        await learning.enroll(database, student, course)  # ALREADY_ENROLLED

    assert [e.user_id for e in await flushed(database, "enrollment.created")] == [student.id]


async def test_a_mutation_rolled_back_after_the_service_records_no_event(
    database: Database,
) -> None:
    course = await learning.free_course(database)
    student = await learning.person(database)

    async def enroll_then_fail() -> None:
        async with database.transaction() as session:
            await learning_service.enroll_student(
                session,
                student_id=student.id,
                course_id=course.id,
                source=learning_service.EnrollmentSource.ADMIN,
            )
            raise UserFacingError([])  # a later step of the same mutation failed

    with pytest.raises(UserFacingError):
        await enroll_then_fail()

    assert await flushed(database) == []


async def test_a_resumed_quiz_attempt_is_not_a_second_start(world: World) -> None:
    _, quiz, _, taker = await _quiz_taker(world)
    first = await quizzes.start(world.database, taker, quiz)
    again = await quizzes.start(world.database, taker, quiz)

    assert again.id == first.id
    assert len(await flushed(world.database, "quiz.started")) == 1


async def test_progress_heartbeats_on_one_lesson_are_one_view(database: Database) -> None:
    course = await learning.free_course(database)
    _, enrollment = await learning.student_in(database, course)
    first, second = (await learning.lessons_of(database, course.id))[:2]
    for lesson_id in (first.id, first.id, first.id, second.id, first.id):
        async with database.transaction() as session:
            await learning_service.update_lesson_progress(
                session, student_id=enrollment.student_id, lesson_id=lesson_id, position_seconds=1
            )

    viewed = [e.entity_id for e in await flushed(database, "lesson.viewed")]
    assert viewed == [first.id, second.id, first.id]


SEARCH = 'query { searchCourses(query: "Data  Science", first: 3) { edges { node { id } } } }'


async def test_a_search_through_the_api_records_its_searcher_or_none(
    client: GraphQLClient, database: Database
) -> None:
    searcher = await learning.person(database)

    signed_in = await client.execute(SEARCH, token=learning.token_for(client, searcher))
    anonymous = await client.execute(SEARCH)

    assert not signed_in.errors
    assert not anonymous.errors
    found = await flushed(database, "search.performed")
    assert [(e.user_id, e.properties) for e in found] == [
        (searcher.id, {"query": "data science", "results": 0}),
        (None, {"query": "data science", "results": 0}),
    ]


async def test_a_search_replayed_from_the_response_cache_is_an_anonymous_search(
    database: Database,
) -> None:
    await search_service.record_search(database, "Data  SCIENCE", 4)  # the cache's replay

    [event] = await flushed(database, "search.performed")
    assert (event.user_id, event.properties) == (None, {"query": "data science", "results": 4})
