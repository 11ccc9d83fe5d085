"""What teachers and students read of quizzes, assignments and exams costs a fixed number of SQL
statements, however many rows it holds: every relation goes through a batch loader."""

from __future__ import annotations

from typing import Any

import pytest

from app.accounts.models import UserRole
from app.db import Database, count_statements
from tests.support import assignments as work
from tests.support import quizzes as q
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

SIZES = [20, 100]

OPTIONS = """options { __typename
  ... on ChoiceOptions { options { id text } }
  ... on MatchingOptions { left { id } right { id text } }
  ... on BlankOptions { blankCount } }"""
KEY = "correctAnswer { __typename ... on MultipleChoiceKey { correct } }"
ANSWER = "answer { __typename ... on ChoiceAnswer { choice } ... on TextAnswer { text } }"

TEACHER_QUIZZES = f"""query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Quiz {{
  title questionCount totalPoints lesson {{ title }}
  questions {{ type text explanation {OPTIONS} {KEY} }} }} }} }}"""
STUDENT_ATTEMPTS = f"""query($quiz: ID!) {{ myQuizAttempts(quizId: $quiz) {{
  attemptNumber scorePercentage quiz {{ title }}
  questions {{ questionId type {OPTIONS} {ANSWER} {KEY} isCorrect explanation }} }} }}"""
TEACHER_ATTEMPTS = f"""query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on QuizAttempt {{
  attemptNumber quiz {{ title }} questions {{ type {ANSWER} {KEY} pointsAwarded }} }} }} }}"""
ASSIGNMENTS = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Assignment {
  title dueAt rubric { criterion points } } } }"""
SUBMISSIONS = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on AssignmentSubmission {
  status text files { fileName url } } } }"""
EXAMS = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Exam {
  title durationMinutes resources { fileName contentType url } } } }"""


async def _statements(
    client: GraphQLClient, query: str, variables: dict[str, Any], token: str
) -> tuple[int, Any]:
    with count_statements(client.database.engine) as counter:
        outcome = await client.execute(query, variables, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return counter.count, outcome.data


def _ids(type_name: str, rows: list[Any]) -> dict[str, Any]:
    return {"ids": [gid(type_name, r.id) for r in rows]}


@pytest.mark.parametrize("many", SIZES)
async def test_a_teacher_reads_quizzes_with_their_questions_in_fixed_statements(
    client: GraphQLClient, database: Database, many: int
) -> None:
    setup = await q.quiz_course(database)
    quizzes = await q.many_quizzes(database, setup, many)
    token = token_for(client, setup.owner)

    one, _ = await _statements(client, TEACHER_QUIZZES, _ids("Quiz", quizzes[:1]), token)
    all_of_them, data = await _statements(client, TEACHER_QUIZZES, _ids("Quiz", quizzes), token)

    assert len(data["nodes"]) == many
    assert all(len(n["questions"]) == len(q.QUESTIONS) for n in data["nodes"])
    keys = {x["type"]: x["correctAnswer"] for x in data["nodes"][-1]["questions"]}
    assert [t for t, k in keys.items() if k is None] == ["ESSAY"]
    assert all_of_them == one, (one, all_of_them)
    assert one <= 6  # viewer, quizzes, lessons, courses, co-teaching and enrollments, questions


@pytest.mark.parametrize("many", SIZES)
async def test_a_student_reads_their_attempts_with_answers_in_fixed_statements(
    client: GraphQLClient, database: Database, many: int
) -> None:
    setup = await q.quiz_course(database)
    [quiz] = await q.many_quizzes(database, setup, 1)
    few, lots = (
        await q.student(database, setup.course.id),
        await q.student(database, setup.course.id),
    )
    await q.answered_attempts(database, quiz, [(few, 1), (lots, many)])
    variables = {"quiz": gid("Quiz", quiz.id)}

    one, _ = await _statements(client, STUDENT_ATTEMPTS, variables, token_for(client, few))
    all_of_them, data = await _statements(
        client, STUDENT_ATTEMPTS, variables, token_for(client, lots)
    )

    attempts = data["myQuizAttempts"]
    assert len(attempts) == many
    answers = [x["answer"] for a in attempts for x in a["questions"]]
    assert len(answers) == many * len(q.QUESTIONS)
    assert all(a is not None for a in answers)
    assert all_of_them == one, (one, all_of_them)
    assert one <= 8  # viewer, attempts, quizzes, lessons, courses, access, questions, answers


@pytest.mark.parametrize("many", SIZES)
async def test_a_teacher_reads_students_attempts_in_fixed_statements(
    client: GraphQLClient, database: Database, many: int
) -> None:
    setup = await q.quiz_course(database)
    [quiz] = await q.many_quizzes(database, setup, 1)
    students = [await q.student(database, setup.course.id) for _ in range(many)]
    attempts = await q.answered_attempts(database, quiz, [(s, 1) for s in students])
    token = token_for(client, setup.owner)

    one, _ = await _statements(client, TEACHER_ATTEMPTS, _ids("QuizAttempt", attempts[:1]), token)
    all_of_them, data = await _statements(
        client, TEACHER_ATTEMPTS, _ids("QuizAttempt", attempts), token
    )

    assert len(data["nodes"]) == many
    assert all(n is not None and len(n["questions"]) == 6 for n in data["nodes"])
    assert all_of_them == one, (one, all_of_them)
    assert one <= 8  # viewer, attempts, quizzes, lessons, courses, access, questions, answers


@pytest.mark.parametrize("many", SIZES)
async def test_a_student_reads_assignments_in_fixed_statements(
    client: GraphQLClient, database: Database, many: int
) -> None:
    room = await work.classroom(database)
    made = await work.many_assignments(room, database, many)
    token = token_for(client, await work.student_in(database, room.course.id))

    one, _ = await _statements(client, ASSIGNMENTS, _ids("Assignment", made[:1]), token)
    all_of_them, data = await _statements(client, ASSIGNMENTS, _ids("Assignment", made), token)

    assert [n["title"] for n in data["nodes"]] == [a.title for a in made]
    assert all_of_them == one, (one, all_of_them)
    assert one <= 5  # viewer, assignments, lessons, courses, enrollments


@pytest.mark.parametrize("many", SIZES)
async def test_a_teacher_reads_submissions_with_their_files_in_fixed_statements(
    client: GraphQLClient, database: Database, many: int
) -> None:
    room = await work.classroom(database)
    [assignment] = await work.many_assignments(room, database, 1)
    students = [await work.student_in(database, room.course.id) for _ in range(many)]
    made = await work.many_submissions(room, database, assignment, students)
    token = token_for(client, room.teacher)

    one, _ = await _statements(client, SUBMISSIONS, _ids("AssignmentSubmission", made[:1]), token)
    all_of_them, data = await _statements(
        client, SUBMISSIONS, _ids("AssignmentSubmission", made), token
    )

    assert len(data["nodes"]) == many
    assert all(n["files"][0]["url"] is not None for n in data["nodes"])
    assert all_of_them == one, (one, all_of_them)
    assert one <= 8  # viewer, submissions, assignments, lessons, courses, access, files, assets


@pytest.mark.parametrize("many", SIZES)
async def test_a_student_reads_exams_with_their_resources_in_fixed_statements(
    client: GraphQLClient, database: Database, many: int
) -> None:
    room = await work.classroom(database)
    made = await work.many_exams(room, database, many)
    token = token_for(client, await work.student_in(database, room.course.id))

    one, _ = await _statements(client, EXAMS, _ids("Exam", made[:1]), token)
    all_of_them, data = await _statements(client, EXAMS, _ids("Exam", made), token)

    assert len(data["nodes"]) == many
    resources = [r for n in data["nodes"] for r in n["resources"]]
    assert len(resources) == 2 * many
    assert all(r["url"] for r in resources)  # links and signed file URLs
    assert all_of_them == one, (one, all_of_them)
    assert one <= 6  # viewer, exams, courses, enrollments, resources, files


async def test_outsiders_get_null_nodes_for_every_kind(
    client: GraphQLClient, database: Database
) -> None:
    room = await work.classroom(database)
    [assignment] = await work.many_assignments(room, database, 1)
    [exam] = await work.many_exams(room, database, 1)
    outsider = token_for(client, await person(database, UserRole.INSTRUCTOR))
    ids = [gid("Assignment", assignment.id), gid("Exam", exam.id)]
    outcome = await client.execute(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}, token=outsider
    )
    assert outcome.data == {"nodes": [None, None]}
    assert outcome.codes == ["NOT_FOUND", "NOT_FOUND"]
