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
from app.assessments import quiz_shapes as shapes
from app.assessments import quizzes
from app.assessments.models import Question, QuestionType, Quiz, QuizType, ScorePolicy
from app.errors import Forbidden, NotFound, UserFacingError
from app.security.permissions import Actor
from tests.support import accounts as accounts
from tests.support.catalog import gid, person, token_for
from tests.support.quizzes import (
    CONFIG_INPUTS,
    QUESTIONS,
    add,
    co_instructor,
    make_quiz,
    quiz_course,
    student,
)

pytestmark = pytest.mark.usefixtures("database")


async def _codes(call: Any) -> list[str]:
    with pytest.raises(UserFacingError) as raised:
        await call
    return [e.code for e in raised.value.errors]


async def _problems(call: Any) -> list[tuple[str | None, str]]:
    with pytest.raises(UserFacingError) as raised:
        await call
    return [(e.field, e.code) for e in raised.value.errors]


@pytest.mark.parametrize("kind", list(QuestionType))
async def test_property_29_every_question_type_is_creatable_and_stored(database, kind) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    created = await add(database, setup, quiz, kind, points=3)
    async with database.session() as session:
        stored = await session.get(Question, created.id)
    config = QUESTIONS[kind][0]
    assert stored is not None
    assert (stored.type, stored.points, stored.order_number) == (kind, 3, 1)
    assert shapes.config_of(kind, stored.options, stored.correct_answer) == config
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
    assert codes == ["WRONG_LESSON_TYPE"]
    await make_quiz(database, setup)
    async with database.transaction() as session:
        codes = await _codes(
            quizzes.create_quiz(session, actor=setup.actor, lesson_id=setup.lesson.id, title="Y")
        )
    assert codes == ["QUIZ_EXISTS"]


CHOICES = [shapes.Option("a", "A"), shapes.Option("b", "B")]
LEFT = [shapes.Option("l1", "x"), shapes.Option("l2", "y")]
RIGHT = [shapes.Option("r1", "1"), shapes.Option("r2", "2")]


@pytest.mark.parametrize(
    ("config", "problems"),
    [
        (
            shapes.MultipleChoice([shapes.Option("a", "A")], ["a"]),
            [("config.multiple_choice.options", "TOO_FEW_OPTIONS")],
        ),
        (
            shapes.MultipleChoice([*CHOICES, shapes.Option("a", " ")], ["z"]),
            [
                ("config.multiple_choice.options[2].text", "REQUIRED"),
                ("config.multiple_choice.options[2].id", "DUPLICATE"),
                ("config.multiple_choice.correct[0]", "UNKNOWN_OPTION"),
            ],
        ),
        (shapes.MultipleChoice(CHOICES, []), [("config.multiple_choice.correct", "REQUIRED")]),
        (
            shapes.ShortAnswer(["ok", "  "]),
            [("config.short_answer.accepted_answers[1]", "REQUIRED")],
        ),
        (shapes.FillBlank([]), [("config.fill_blank.blanks", "REQUIRED")]),
        (
            shapes.FillBlank([shapes.Blank(["def"]), shapes.Blank([])]),
            [("config.fill_blank.blanks[1].accepted", "REQUIRED")],
        ),
        (
            shapes.Matching(LEFT, RIGHT, [shapes.Pair("l1", "r1")]),
            [("config.matching.pairs", "UNPAIRED")],
        ),
        (
            shapes.Matching(
                LEFT,
                RIGHT,
                [shapes.Pair("l1", "r9"), shapes.Pair("l1", "r1"), shapes.Pair("l2", "r2")],
            ),
            [
                ("config.matching.pairs[0].right", "UNKNOWN_OPTION"),
                ("config.matching.pairs[1].left", "DUPLICATE"),
            ],
        ),
    ],
)
async def test_configurations_that_do_not_fit_are_refused_at_their_path(
    database, config, problems
) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    async with database.transaction() as session:
        found = await _problems(
            quizzes.add_question(
                session, actor=setup.actor, quiz_id=quiz.id, text="Q?", config=config
            )
        )
    assert found == problems
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


async def test_updating_a_question_revalidates_its_key_and_keeps_its_type(database) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    question = await add(database, setup, quiz, QuestionType.MULTIPLE_CHOICE)
    options = QUESTIONS[QuestionType.MULTIPLE_CHOICE][0].options  # type: ignore[union-attr]
    async with database.transaction() as session:
        problems = await _problems(
            quizzes.update_question(
                session,
                actor=setup.actor,
                question_id=question.id,
                config=shapes.MultipleChoice(options, ["q"]),
            )
        )
    assert problems == [("config.multiple_choice.correct[0]", "UNKNOWN_OPTION")]
    async with database.transaction() as session:
        problems = await _problems(
            quizzes.update_question(
                session,
                actor=setup.actor,
                question_id=question.id,
                config=shapes.TrueFalse(correct=True),
            )
        )
    assert problems == [("config", "INVALID_SHAPE")]
    async with database.transaction() as session:
        changed = await quizzes.update_question(
            session,
            actor=setup.actor,
            question_id=question.id,
            config=shapes.MultipleChoice(options, ["a", "c"]),
            points=5,
        )
    assert (changed.correct_answer, changed.points) == ({"optionIds": ["a", "c"]}, 5)


QUIZ_QUERY = """query($id: ID!) { quiz(id: $id) { title questionCount totalPoints
  questions { type text explanation
    options { ... on ChoiceOptions { options { id text } } }
    correctAnswer { __typename ... on TrueFalseKey { correct } } } } }"""


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
            "text": "Is Python typed?",
            "points": 2,
            "config": {"trueFalse": {"correct": True}},
            "explanation": "Dynamically.",
        },
        "question { id orderNumber type }",
        token=teacher,
    )
    assert added.payload("addQuestion")["errors"] == []
    assert added.payload("addQuestion")["question"]["type"] == "TRUE_FALSE"

    seen = await client.execute(QUIZ_QUERY, {"id": quiz_id}, token=teacher)
    assert seen.errors == []
    assert seen.data["quiz"]["questions"] == [
        {
            "type": "TRUE_FALSE",
            "text": "Is Python typed?",
            "explanation": "Dynamically.",
            "options": None,
            "correctAnswer": {"__typename": "TrueFalseKey", "correct": True},
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


ADD_QUESTION = "question { id type options { __typename } correctAnswer { __typename } }"


@pytest.mark.parametrize("kind", list(QuestionType))
async def test_graphql_every_question_type_is_authored_through_its_config_member(
    database, client, kind
) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    added = await client.mutate(
        "addQuestion",
        {"quizId": gid("Quiz", quiz.id), "text": "Q?", "config": CONFIG_INPUTS[kind]},
        ADD_QUESTION,
        token=token_for(client, setup.owner),
    )
    payload = added.payload("addQuestion")
    assert payload["errors"] == []
    assert payload["question"]["type"] == kind.name
    async with database.session() as session:
        stored = (await session.scalars(select(Question))).one()
    assert shapes.config_of(kind, stored.options, stored.correct_answer) == QUESTIONS[kind][0]


async def test_graphql_configuration_errors_point_at_the_api_path(database, client) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    bad = await client.mutate(
        "addQuestion",
        {
            "quizId": gid("Quiz", quiz.id),
            "text": "Which?",
            "config": {
                "multipleChoice": {
                    "options": [{"id": "a", "text": "A"}, {"id": "b", "text": " "}],
                    "correct": ["z"],
                }
            },
        },
        "question { id }",
        token=token_for(client, setup.owner),
    )
    payload = bad.payload("addQuestion")
    assert payload["question"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("config.multipleChoice.options[1].text", "REQUIRED"),
        ("config.multipleChoice.correct[0]", "UNKNOWN_OPTION"),
    ]


async def test_graphql_a_configuration_names_exactly_one_type(database, client) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    token = token_for(client, setup.owner)
    both = await client.mutate(
        "addQuestion",
        {
            "quizId": gid("Quiz", quiz.id),
            "text": "?",
            "config": {"trueFalse": {"correct": True}, "essay": True},
        },
        "question { id }",
        token=token,
    )
    assert both.codes == ["BAD_USER_INPUT"]
    not_essay = await client.mutate(
        "addQuestion",
        {"quizId": gid("Quiz", quiz.id), "text": "?", "config": {"essay": False}},
        "question { id }",
        token=token,
    )
    assert [(e["field"], e["code"]) for e in not_essay.payload("addQuestion")["errors"]] == [
        ("config.essay", "INVALID")
    ]
