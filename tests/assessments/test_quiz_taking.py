"""Taking a quiz: starting (Property 31), limits and windows under concurrency, saving answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.assessments import quiz_shapes as shapes
from app.assessments.models import AttemptStatus, QuestionType, QuizAnswer, QuizAttempt
from app.clock import utcnow
from app.errors import Forbidden, UserFacingError
from tests.support import accounts as accounts
from tests.support.catalog import gid, token_for
from tests.support.quizzes import (
    RIGHT_INPUTS,
    add,
    make_quiz,
    objective_quiz,
    quiz_course,
    right,
    save,
    start,
    student,
)

pytestmark = pytest.mark.usefixtures("database")


async def _code(call) -> str:
    with pytest.raises(UserFacingError) as raised:
        await call
    return raised.value.errors[0].code


async def _problem(call) -> tuple[str | None, str]:
    with pytest.raises(UserFacingError) as raised:
        await call
    error = raised.value.errors[0]
    return error.field, error.code


async def _answers(database) -> int:
    async with database.session() as session:
        return (await session.scalar(select(func.count()).select_from(QuizAnswer))) or 0


async def test_property_31_starting_creates_an_attempt_in_progress_now(database) -> None:
    setup = await quiz_course(database)
    quiz, questions = await objective_quiz(database, setup, time_limit_minutes=15)
    learner = await student(database, setup.course.id)
    before = utcnow()
    attempt = await start(database, learner, quiz)
    after = utcnow()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.attempt_number == 1
    assert before <= attempt.started_at <= after
    assert attempt.deadline_at == attempt.started_at + timedelta(minutes=15)
    assert sorted(attempt.question_order) == sorted(str(q.id) for q in questions)


async def test_an_unfinished_attempt_is_resumed_not_duplicated(database) -> None:
    setup = await quiz_course(database)
    quiz, _ = await objective_quiz(database, setup)
    learner = await student(database, setup.course.id)
    first = await start(database, learner, quiz)
    again = await start(database, learner, quiz)
    assert again.id == first.id


async def test_students_who_are_not_enrolled_cannot_start(database) -> None:
    setup = await quiz_course(database)
    quiz, _ = await objective_quiz(database, setup)
    stranger = await student(database)
    with pytest.raises(Forbidden):
        await start(database, stranger, quiz)


async def test_the_availability_window_is_enforced(database) -> None:
    setup = await quiz_course(database)
    now = utcnow()
    quiz, _ = await objective_quiz(
        database,
        setup,
        available_from=now + timedelta(hours=1),
        available_until=now + timedelta(hours=2),
    )
    learner = await student(database, setup.course.id)
    assert await _code(start(database, learner, quiz)) == "NOT_OPEN_YET"


async def test_two_concurrent_starts_never_exceed_the_attempt_limit(database) -> None:
    setup = await quiz_course(database)
    quiz, _ = await objective_quiz(database, setup, max_attempts=1)
    learner = await student(database, setup.course.id)
    results = await asyncio.gather(
        *(start(database, learner, quiz) for _ in range(4)), return_exceptions=True
    )
    assert all(isinstance(r, QuizAttempt) for r in results), results
    assert len({r.id for r in results}) == 1  # the later starts resumed the first attempt
    async with database.session() as session:
        assert (await session.scalar(select(func.count()).select_from(QuizAttempt))) == 1


async def test_the_attempt_limit_is_enforced_after_submission(database) -> None:
    from tests.support.quizzes import submit

    setup = await quiz_course(database)
    quiz, _ = await objective_quiz(database, setup, max_attempts=1)
    learner = await student(database, setup.course.id)
    attempt = await start(database, learner, quiz)
    await submit(database, learner, attempt.id)
    assert await _code(start(database, learner, quiz)) == "ATTEMPTS_EXHAUSTED"


async def test_randomised_orders_are_drawn_per_attempt_and_stored(database) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup, randomize_questions=True, randomize_options=True)
    questions = [await add(database, setup, quiz, QuestionType.MULTIPLE_CHOICE) for _ in range(8)]
    orders = set()
    for _ in range(3):
        learner = await student(database, setup.course.id)
        attempt = await start(database, learner, quiz)
        assert sorted(attempt.question_order) == sorted(str(q.id) for q in questions)
        assert all(sorted(v) == ["a", "b", "c"] for v in attempt.option_order.values())
        orders.add(tuple(attempt.question_order))
    assert len(orders) > 1  # 8! orders: three equal draws are (practically) impossible


async def test_an_answer_to_a_question_of_another_quiz_is_refused(database) -> None:
    setup = await quiz_course(database)
    quiz, _ = await objective_quiz(database, setup)
    other_setup = await quiz_course(database)
    _, foreign = await objective_quiz(database, other_setup)
    learner = await student(database, setup.course.id)
    attempt = await start(database, learner, quiz)
    code = await _code(save(database, learner, attempt.id, foreign[0], right(foreign[0])))
    assert code == "QUESTION_NOT_IN_QUIZ"
    assert await _answers(database) == 0


async def test_an_option_id_of_another_question_is_refused(database) -> None:
    setup = await quiz_course(database)
    quiz, questions = await objective_quiz(database, setup)
    learner = await student(database, setup.course.id)
    attempt = await start(database, learner, quiz)
    choice, _, blanks, matching = questions  # multiple choice with options a, b, c; ...
    assert await _problem(
        save(database, learner, attempt.id, choice, shapes.ChoiceAnswer(["a", "l1"]))
    ) == ("answer.choice[1]", "UNKNOWN_OPTION")
    assert await _problem(
        save(database, learner, attempt.id, choice, shapes.BooleanAnswer(True))
    ) == ("answer", "INVALID_SHAPE")
    assert await _problem(
        save(database, learner, attempt.id, blanks, shapes.BlanksAnswer(["def"]))
    ) == ("answer.blanks", "INVALID_SHAPE")
    assert await _problem(
        save(database, learner, attempt.id, matching, shapes.PairsAnswer([shapes.Pair("l1", "a")]))
    ) == ("answer.pairs[0].right", "UNKNOWN_OPTION")
    assert await _answers(database) == 0


async def test_answers_after_the_deadline_are_refused_and_not_stored(database) -> None:
    setup = await quiz_course(database)
    quiz, questions = await objective_quiz(database, setup, time_limit_minutes=5)
    learner = await student(database, setup.course.id)
    attempt = await start(database, learner, quiz)
    async with database.transaction() as session:
        await session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.id == attempt.id)
            .values(deadline_at=utcnow() - timedelta(seconds=1))
        )
    code = await _code(save(database, learner, attempt.id, questions[0], right(questions[0])))
    assert code == "ATTEMPT_EXPIRED"
    assert await _answers(database) == 0


async def test_saving_again_replaces_the_answer(database) -> None:
    setup = await quiz_course(database)
    quiz, questions = await objective_quiz(database, setup)
    learner = await student(database, setup.course.id)
    attempt = await start(database, learner, quiz)
    await save(database, learner, attempt.id, questions[1], shapes.BooleanAnswer(False))
    await save(database, learner, attempt.id, questions[1], shapes.BooleanAnswer(True))
    async with database.session() as session:
        rows = (await session.scalars(select(QuizAnswer))).all()
    assert [r.answer for r in rows] == [{"value": True}]


ATTEMPT = """attempt { id status questions { questionId type
  options { __typename ... on ChoiceOptions { options { id } } }
  answer { __typename ... on ChoiceAnswer { choice } ... on BooleanAnswer { boolean } }
  correctAnswer { __typename } explanation } }"""


async def test_graphql_taking_never_shows_the_answer_key_while_in_progress(
    database, client
) -> None:
    setup = await quiz_course(database)
    quiz, _ = await objective_quiz(database, setup, show_correct_answers=True)
    learner = await student(database, setup.course.id)
    token = token_for(client, learner)
    started = await client.mutate(
        "startQuizAttempt", {"quizId": gid("Quiz", quiz.id)}, ATTEMPT, token=token
    )
    payload = started.payload("startQuizAttempt")
    assert payload["errors"] == []
    shown = payload["attempt"]["questions"]
    assert len(shown) == 4
    assert all(q["correctAnswer"] is None and q["explanation"] is None for q in shown)
    choice = next(q for q in shown if q["type"] == "MULTIPLE_CHOICE")
    assert choice["options"]["__typename"] == "ChoiceOptions"
    assert sorted(o["id"] for o in choice["options"]["options"]) == ["a", "b", "c"]
    saved = await client.mutate(
        "saveQuizAnswer",
        {
            "attemptId": payload["attempt"]["id"],
            "questionId": choice["questionId"],
            "answer": {"choice": ["a", "zzz"]},
        },
        ATTEMPT,
        token=token,
    )
    errors = saved.payload("saveQuizAnswer")["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("answer.choice[1]", "UNKNOWN_OPTION")]
    saved = await client.mutate(
        "saveQuizAnswer",
        {
            "attemptId": payload["attempt"]["id"],
            "questionId": choice["questionId"],
            "answer": {"choice": ["b"]},
        },
        ATTEMPT,
        token=token,
    )
    again = saved.payload("saveQuizAnswer")["attempt"]["questions"]
    mine = next(q for q in again if q["questionId"] == choice["questionId"])
    assert mine["answer"] == {"__typename": "ChoiceAnswer", "choice": ["b"]}
    assert mine["correctAnswer"] is None
    other = await student(database, setup.course.id)
    peek = await client.execute(
        "query($id: ID!) { quizAttempt(id: $id) { id } }",
        {"id": payload["attempt"]["id"]},
        token=token_for(client, other),
    )
    assert peek.data == {"quizAttempt": None}
    assert peek.codes == ["NOT_FOUND"]
    assert peek.errors[0].path == ["quizAttempt"]


@pytest.mark.parametrize("kind", list(QuestionType))
async def test_graphql_every_answer_kind_is_saved_and_read_back(database, client, kind) -> None:
    setup = await quiz_course(database)
    quiz = await make_quiz(database, setup)
    await add(database, setup, quiz, kind)
    learner = await student(database, setup.course.id)
    token = token_for(client, learner)
    started = (
        await client.mutate(
            "startQuizAttempt", {"quizId": gid("Quiz", quiz.id)}, ANSWERED, token=token
        )
    ).payload("startQuizAttempt")["attempt"]
    saved = await client.mutate(
        "saveQuizAnswer",
        {
            "attemptId": started["id"],
            "questionId": started["questions"][0]["questionId"],
            "answer": RIGHT_INPUTS[kind],
        },
        ANSWERED,
        token=token,
    )
    payload = saved.payload("saveQuizAnswer")
    assert payload["errors"] == []
    answer = dict(payload["attempt"]["questions"][0]["answer"])
    answer.pop("__typename")
    assert answer == RIGHT_INPUTS[kind]


ANSWERED = """attempt { id questions { questionId answer { __typename
  ... on ChoiceAnswer { choice } ... on BooleanAnswer { boolean } ... on TextAnswer { text }
  ... on BlanksAnswer { blanks } ... on PairsAnswer { pairs { left right } } } } }"""


async def test_graphql_an_answer_of_the_wrong_kind_is_refused(database, client) -> None:
    setup = await quiz_course(database)
    quiz, questions = await objective_quiz(database, setup)
    learner = await student(database, setup.course.id)
    token = token_for(client, learner)
    attempt = await start(database, learner, quiz)
    saved = await client.mutate(
        "saveQuizAnswer",
        {
            "attemptId": gid("QuizAttempt", attempt.id),
            "questionId": gid("QuizQuestion", questions[0].id),
            "answer": {"text": "print"},
        },
        "attempt { id }",
        token=token,
    )
    assert [(e["field"], e["code"]) for e in saved.payload("saveQuizAnswer")["errors"]] == [
        ("answer", "INVALID_SHAPE")
    ]
