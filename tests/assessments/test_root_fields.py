"""The single-object root fields of assessments follow the API's one rule: a missing or hidden
object is null at its own path with a NOT_FOUND error there, and never nulls its siblings."""

from __future__ import annotations

import uuid

from app.accounts.models import User, UserRole
from app.assessments import exams
from app.catalog.models import Course, CourseStatus
from app.db import Database
from app.errors import NotFound
from tests.support import assignments as work
from tests.support import quizzes as q
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

ROOTS = """query($quiz: ID!, $lesson: ID!, $attempt: ID!, $assignment: ID!, $submission: ID!,
  $exam: ID!, $examSubmission: ID!) {
  quiz(id: $quiz) { title }
  lessonQuiz(lessonId: $lesson) { title }
  quizAttempt(id: $attempt) { attemptNumber }
  assignment(id: $assignment) { title }
  assignmentSubmission(id: $submission) { text }
  exam(id: $exam) { title }
  examSubmission(id: $examSubmission) { attemptNumber }
  ping
}"""


async def _world(
    database: Database,
) -> tuple[dict[str, str], q.Setup, work.Classroom, tuple[User, User]]:
    setup = await q.quiz_course(database)
    [quiz] = await q.many_quizzes(database, setup, 1)
    learner = await q.student(database, setup.course.id)
    [attempt] = await q.answered_attempts(database, quiz, [(learner, 1)])
    room = await work.classroom(database)
    [assignment] = await work.many_assignments(room, database, 1)
    student = await work.student_in(database, room.course.id)
    [submission] = await work.many_submissions(room, database, assignment, [student])
    [exam] = await work.many_exams(room, database, 1)
    async with database.transaction() as session:
        started = await exams.start_exam(session, student_id=student.id, exam_id=exam.id)
    ids = {
        "quiz": gid("Quiz", quiz.id),
        "lesson": gid("Lesson", setup.lesson.id),
        "attempt": gid("QuizAttempt", attempt.id),
        "assignment": gid("Assignment", assignment.id),
        "submission": gid("AssignmentSubmission", submission.id),
        "exam": gid("Exam", exam.id),
        "examSubmission": gid("ExamSubmission", started.id),
    }
    return ids, setup, room, (learner, student)


async def test_each_root_field_shows_its_object_to_whom_may_see_it(
    client: GraphQLClient, database: Database
) -> None:
    ids, _, room, (learner, student) = await _world(database)
    as_learner = await client.execute(ROOTS, ids, token=token_for(client, learner))
    assert as_learner.data is not None
    assert as_learner.data["quiz"] == {"title": "Quiz 0"}
    assert as_learner.data["lessonQuiz"] == {"title": "Quiz 0"}
    assert as_learner.data["quizAttempt"] == {"attemptNumber": 1}
    as_student = await client.execute(ROOTS, ids, token=token_for(client, student))
    assert as_student.data is not None
    assert as_student.data["assignmentSubmission"] == {"text": "Mine"}
    assert as_student.data["examSubmission"] == {"attemptNumber": 1}
    as_teacher = await client.execute(ROOTS, ids, token=token_for(client, room.teacher))
    assert as_teacher.data is not None
    assert as_teacher.data["assignment"] == {"title": "Essay 0"}
    assert as_teacher.data["exam"] == {"title": "Exam 0"}
    assert as_teacher.data["assignmentSubmission"] == {"text": "Mine"}


async def test_hidden_objects_are_null_with_not_found_at_their_own_path(
    client: GraphQLClient, database: Database
) -> None:
    ids, _, _, _ = await _world(database)
    outsider = token_for(client, await person(database, UserRole.STUDENT))
    outcome = await client.execute(ROOTS, ids, token=outsider)
    assert outcome.data is not None
    hidden = ["quizAttempt", "assignment", "assignmentSubmission", "exam", "examSubmission"]
    for name in hidden:
        assert outcome.data[name] is None, name
    assert outcome.data["quiz"] == {"title": "Quiz 0"}  # a published course's quiz is public
    assert outcome.data["ping"] == "pong"
    assert sorted(e.path[0] for e in outcome.errors) == sorted(hidden)
    assert set(outcome.codes) == {"NOT_FOUND"}


async def test_unknown_and_mistyped_ids_are_not_found(
    client: GraphQLClient, database: Database
) -> None:
    ids, setup, _, _ = await _world(database)
    nowhere = {name: gid("Quiz", uuid.uuid4()) for name in ids}
    nowhere["assignment"] = ids["quiz"]  # a Quiz id where an Assignment id belongs
    outcome = await client.execute(ROOTS, nowhere, token=token_for(client, setup.owner))
    assert outcome.data is not None
    assert [k for k, v in outcome.data.items() if v is not None] == ["ping"]
    assert outcome.codes == ["NOT_FOUND"] * 7


async def test_the_own_lists_need_a_signed_in_caller(
    client: GraphQLClient, database: Database
) -> None:
    ids, _, _, _ = await _world(database)
    for query, variables in (
        ("query($id: ID!) { myQuizAttempts(quizId: $id) { id } }", ids["quiz"]),
        ("query($id: ID!) { mySubmissions(assignmentId: $id) { id } }", ids["assignment"]),
        ("query($id: ID!) { myExamSubmissions(examId: $id) { id } }", ids["exam"]),
    ):
        outcome = await client.execute(query, {"id": variables})
        assert outcome.codes == ["UNAUTHENTICATED"]


async def test_a_course_that_is_not_public_stays_hidden_from_other_teachers(
    client: GraphQLClient, database: Database
) -> None:
    room = await work.classroom(database)
    async with database.transaction() as session:
        course = await session.get(Course, room.course.id)
        assert course is not None
        course.status = CourseStatus.DRAFT
    other = await person(database, UserRole.INSTRUCTOR)
    created = await client.mutate(
        "createExam",
        {"courseId": gid("Course", room.course.id), "title": "Mine", "durationMinutes": 5},
        "exam { id }",
        token=token_for(client, other),
    )
    assert created.codes == [NotFound.code]
