"""Quiz authoring: every question type (Property 29), every option (Property 30), permissions,
answer-key shapes, gapless question order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from app.accounts.models import UserRole
from app.assessments import quizzes
from app.assessments.models import Question, QuestionType, Quiz, QuizType, ScorePolicy
from app.errors import Forbidden, NotFound, UserFacingError
from app.security.permissions import Actor
from tests.support import accounts as accounts
from tests.support.catalog import gid, person, token_for
from tests.support.quizzes import QUESTIONS, add, co_instructor, make_quiz, quiz_course, student

pytestmark = pytest.mark.usefixtures("database")


async def _codes(call: Any) -> list[str]:
    with pytest.raises(UserFacingError) as raised:
        await call
    return [e.code for e in raised.value.errors]


@pytest.mark.parametrize("kind", list(QuestionType))
async def test_property_29_every_question_type_is_creatable_and_stored(database, kind) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    created = await add(database, setup, quiz, kind, points=3)
    async with database.session() as session:
        stored = await session.get(Question, created.id)
    options, key, _, _ = QUESTIONS[kind]
    assert stored is not None
    assert (stored.type, stored.points, stored.order_number) == (kind, 3, 1)
    assert stored.options == options
    assert stored.correct_answer == key
    assert stored.explanation == f"Why {kind}"


configs = st.fixed_dictionaries(
    {
        "quiz_type": st.sampled_from(list(QuizType)),
        "time_limit_minutes": st.none() | st.integers(1, 1440),
        "passing_score_percentage": st.integers(0, 100),
        "max_attempts": st.integers(0, 100),
        "randomize_questions": st.booleans(),
        "randomize_options": st.booleans(),
        "show_correct_answers": st.booleans(),
        "show_explanations": st.booleans(),
        "score_policy": st.sampled_from(list(ScorePolicy)),
        "window": st.none() | st.tuples(st.integers(-1000, 1000), st.integers(1, 10000)),
    }
)


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(config=configs)
async def test_property_30_every_configuration_option_is_persisted(database, config) -> None:
    setup = await quiz_course(database)
    window = config.pop("window")
    if window is not None:
        start = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=window[0])
        config["available_from"] = start
        config["available_until"] = start + timedelta(minutes=window[1])
    quiz = await make_quiz(database, setup, **config)
    async with database.session() as session:
        stored = await session.get(Quiz, quiz.id)
    assert stored is not None
    for key, value in config.items():
        assert getattr(stored, key) == value, key


async def test_invalid_configuration_is_refused_and_nothing_is_stored(database) -> None:
    setup = await quiz_course(database)
    start = datetime(2030, 1, 1, tzinfo=UTC)
    async with database.transaction() as session:
        codes = await _codes(
            quizzes.create_quiz(
                session,
                actor=setup.actor,
                lesson_id=setup.lesson.id,
                title=" ",
                time_limit_minutes=0,
                passing_score_percentage=101,
                max_attempts=-1,
                available_from=start,
                available_until=start,
            )
        )
    assert sorted(codes) == [
        "OUT_OF_RANGE",
        "OUT_OF_RANGE",
        "OUT_OF_RANGE",
        "REQUIRED",
        "WINDOW_INVERTED",
    ]
    async with database.session() as session:
        assert (await session.scalars(select(Quiz))).all() == []


async def test_a_quiz_needs_a_quiz_lesson_and_only_one_per_lesson(database) -> None:
    setup = await quiz_course(database)
    async with database.session() as session:
        from app.catalog.models import Lesson, LessonType

        text_lesson = (
            await session.scalars(
                select(Lesson).where(
                    Lesson.course_id == setup.course.id, Lesson.type == LessonType.TEXT
                )
            )
        ).first()
    assert text_lesson is not None
    async with database.transaction() as session:
        codes = await _codes(
            quizzes.create_quiz(session, actor=setup.actor, lesson_id=text_lesson.id, title="X")
        )
    assert codes == ["NOT_A_QUIZ_LESSON"]
    await make_quiz(database, setup)
    async with database.transaction() as session:
        codes = await _codes(
            quizzes.create_quiz(session, actor=setup.actor, lesson_id=setup.lesson.id, title="Y")
        )
    assert codes == ["QUIZ_EXISTS"]


@pytest.mark.parametrize(
    ("kind", "options", "key"),
    [
        (QuestionType.MULTIPLE_CHOICE, [{"id": "a", "text": "A"}], {"optionIds": ["a"]}),
        (
            QuestionType.MULTIPLE_CHOICE,
            QUESTIONS[QuestionType.MULTIPLE_CHOICE][0],
            {"optionIds": ["z"]},
        ),
        (QuestionType.TRUE_FALSE, None, {"value": "yes"}),
        (QuestionType.ESSAY, None, {"text": "model answer"}),
        (QuestionType.FILL_BLANK, None, {"blanks": []}),
        (QuestionType.MATCHING, QUESTIONS[QuestionType.MATCHING][0], {"pairs": {"l1": "r1"}}),
        (QuestionType.SHORT_ANSWER, ["x"], {"acceptedAnswers": ["x"]}),
    ],
)
async def test_answer_keys_that_do_not_fit_the_type_are_refused(
    database, kind, options, key
) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    async with database.transaction() as session:
        codes = await _codes(
            quizzes.add_question(
                session,
                actor=setup.actor,
                quiz_id=quiz.id,
                type=kind,
                text="Q?",
                options=options,
                correct_answer=key,
            )
        )
    assert set(codes) == {"INVALID_SHAPE"}
    async with database.session() as session:
        assert (await session.scalars(select(Question))).all() == []


async def test_other_instructors_and_students_cannot_author(database) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    for role in (UserRole.INSTRUCTOR, UserRole.STUDENT):
        outsider = Actor.of(await person(database, role))
        async with database.transaction() as session:
            with pytest.raises((Forbidden, NotFound)):
                await quizzes.update_quiz(session, actor=outsider, quiz_id=quiz.id, title="Mine")


async def test_co_instructors_and_admins_author(database) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    helper = Actor.of(await co_instructor(database, setup.course.id))
    admin = Actor.of(await person(database, UserRole.ADMIN))
    for who, title in ((helper, "By helper"), (admin, "By admin")):
        async with database.transaction() as session:
            updated = await quizzes.update_quiz(session, actor=who, quiz_id=quiz.id, title=title)
        assert updated.title == title


async def test_questions_stay_numbered_without_gaps(database) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    made = [await add(database, setup, quiz, kind) for kind in list(QuestionType)[:4]]
    async with database.transaction() as session:
        await quizzes.delete_question(session, actor=setup.actor, question_id=made[1].id)
    new_order = [made[3].id, made[0].id, made[2].id]
    async with database.transaction() as session:
        await quizzes.reorder_questions(
            session, actor=setup.actor, quiz_id=quiz.id, question_ids=new_order
        )
    async with database.session() as session:
        rows = await quizzes.questions_of(session, quiz.id)
    assert [(r.id, r.order_number) for r in rows] == list(zip(new_order, [1, 2, 3], strict=True))
    async with database.transaction() as session:
        codes = await _codes(
            quizzes.reorder_questions(
                session, actor=setup.actor, quiz_id=quiz.id, question_ids=new_order[:2]
            )
        )
    assert codes == ["NOT_A_PERMUTATION"]


async def test_updating_a_question_revalidates_its_key(database) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    question = await add(database, setup, quiz, QuestionType.MULTIPLE_CHOICE)
    async with database.transaction() as session:
        codes = await _codes(
            quizzes.update_question(
                session,
                actor=setup.actor,
                question_id=question.id,
                correct_answer={"optionIds": ["q"]},
            )
        )
    assert codes == ["INVALID_SHAPE"]
    async with database.transaction() as session:
        changed = await quizzes.update_question(
            session,
            actor=setup.actor,
            question_id=question.id,
            correct_answer={"optionIds": ["a", "c"]},
            points=5,
        )
    assert (changed.correct_answer, changed.points) == ({"optionIds": ["a", "c"]}, 5)


QUIZ_QUERY = """query($id: ID!) { quiz(id: $id) { title questionCount totalPoints
  questions { type text correctAnswer explanation } } }"""


async def test_graphql_authoring_and_the_views_of_teachers_and_students(database, client) -> None:
    setup = await quiz_course(database)
    teacher = token_for(client, setup.owner)
    created = await client.mutate(
        "createQuiz",
        {
            "lessonId": gid("Lesson", setup.lesson.id),
            "title": "Warm-up",
            "timeLimitMinutes": 10,
            "scorePolicy": "LAST",
            "maxAttempts": 2,
        },
        "quiz { id title timeLimitMinutes scorePolicy maxAttempts } ",
        token=teacher,
    )
    payload = created.payload("createQuiz")
    assert payload["errors"] == []
    quiz_id = payload["quiz"]["id"]
    assert payload["quiz"]["scorePolicy"] == "LAST"
    added = await client.mutate(
        "addQuestion",
        {
            "quizId": quiz_id,
            "type": "TRUE_FALSE",
            "text": "Is Python typed?",
            "points": 2,
            "correctAnswer": {"value": True},
            "explanation": "Dynamically.",
        },
        "question { id orderNumber }",
        token=teacher,
    )
    assert added.payload("addQuestion")["errors"] == []
    bad = await client.mutate(
        "addQuestion",
        {"quizId": quiz_id, "type": "TRUE_FALSE", "text": "?", "correctAnswer": {"value": 1}},
        "question { id } ",
        token=teacher,
    )
    assert [(e["code"], e["field"]) for e in bad.payload("addQuestion")["errors"]] == [
        ("INVALID_SHAPE", "correctAnswer")
    ]

    seen = await client.execute(QUIZ_QUERY, {"id": quiz_id}, token=teacher)
    assert seen.errors == []
    assert seen.data["quiz"]["questions"] == [
        {
            "type": "TRUE_FALSE",
            "text": "Is Python typed?",
            "correctAnswer": {"value": True},
            "explanation": "Dynamically.",
        }
    ]
    learner = await student(database, setup.course.id)
    as_student = await client.execute(QUIZ_QUERY, {"id": quiz_id}, token=token_for(client, learner))
    assert as_student.data["quiz"] == {
        "title": "Warm-up",
        "questionCount": 1,
        "totalPoints": 2,
        "questions": None,
    }
