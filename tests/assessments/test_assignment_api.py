"""The GraphQL surface of assignments, exams and the gradebook: the whole flow through the API,
typed errors for bad input, and who may see and do what."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from app.clock import utcnow
from app.db import Database
from app.integrations.storage import LocalStorage, make_storage
from app.settings import get_settings
from tests.support import accounts as accounts
from tests.support.assignments import PDF, assignment_in, classroom, exam_in, person, student_in
from tests.support.catalog import gid, instructor, token_for
from tests.support.graphql import GraphQLClient

# the GraphQL client fixtures (tests/assessments has no conftest of its own for them)

SUBMISSION = (
    "submission { id status isLate revisionNumber parentSubmissionId pointsAwarded "
    "files { fileName url } }"
)
ATTEMPT = "submission { id status attemptNumber deadlineAt score isPassed }"


async def put_bytes(ticket: dict[str, Any], data: bytes) -> None:
    """What a client does with the upload target (local backend: the token names the key)."""
    store = make_storage(get_settings())
    assert isinstance(store, LocalStorage)
    grant = store.signer.verify(ticket["url"].rsplit("/", 1)[1], "put")
    await store.put(grant.key, data, ticket["headers"][0]["value"])


async def test_teacher_creates_student_uploads_submits_teacher_grades(
    client: GraphQLClient, database: Database
):
    room = await classroom(database)
    teacher = token_for(client, room.teacher)
    created = await client.mutate(
        "createAssignment",
        {
            "lessonId": gid("Lesson", room.lesson.id),
            "title": "Essay",
            "instructions": "Write.",
            "allowedFileTypes": ["pdf"],
            "maxFileSizeMb": 1,
            "maxPoints": 10,
            "rubric": [{"criterion": "Clarity", "points": 10}],
        },
        "assignment { id allowedFileTypes rubric { criterion points } }",
        token=teacher,
    )
    made = created.payload("createAssignment")
    assert made["errors"] == []
    assignment_id = made["assignment"]["id"]
    student = await student_in(database, room.course.id)
    me = token_for(client, student)
    asked = await client.mutate(
        "requestAssignmentUpload",
        {
            "assignmentId": assignment_id,
            "fileName": "essay.pdf",
            "contentType": "application/pdf",
            "size": len(PDF),
        },
        "upload { fileId url method headers { name value } }",
        token=me,
    )
    ticket = asked.payload("requestAssignmentUpload")["upload"]
    await put_bytes(ticket, PDF)
    sent = await client.mutate(
        "submitAssignment",
        {"assignmentId": assignment_id, "text": "See file", "fileIds": [ticket["fileId"]]},
        SUBMISSION,
        token=me,
    )
    submission = sent.payload("submitAssignment")["submission"]
    assert [f["fileName"] for f in submission["files"]] == ["essay.pdf"]
    assert "/files/download/" in submission["files"][0]["url"]
    graded = await client.mutate(
        "gradeAssignment",
        {
            "submissionId": submission["id"],
            "rubricScores": [{"criterion": "Clarity", "points": 7}],
            "feedback": "Nice",
        },
        SUBMISSION,
        token=teacher,
    )
    result = graded.payload("gradeAssignment")["submission"]
    assert (result["status"], result["pointsAwarded"]) == ("GRADED", 7.0)
    assert "/files/download/" in result["files"][0]["url"]  # the grader downloads the file
    mine = await client.execute(
        "query($id: ID!) { mySubmissions(assignmentId: $id) { id pointsAwarded feedback } }",
        {"id": assignment_id},
        token=me,
    )
    assert mine.payload("mySubmissions") == [
        {"id": submission["id"], "pointsAwarded": 7.0, "feedback": "Nice"}
    ]


async def test_a_forbidden_file_type_is_a_typed_payload_error(
    client: GraphQLClient, database: Database
):
    room = await classroom(database)
    made = await assignment_in(room, database, allowed_file_types=["pdf"])
    student = await student_in(database, room.course.id)
    asked = await client.mutate(
        "requestAssignmentUpload",
        {
            "assignmentId": gid("Assignment", made.id),
            "fileName": "run.png",
            "contentType": "image/png",
            "size": 10,
        },
        "upload { fileId }",
        token=token_for(client, student),
    )
    payload = asked.payload("requestAssignmentUpload")
    assert payload["upload"] is None
    assert [e["code"] for e in payload["errors"]] == ["FILE_TYPE_NOT_ALLOWED"]


async def test_a_late_submission_is_refused_with_its_code(
    client: GraphQLClient, database: Database
):
    room = await classroom(database)
    made = await assignment_in(room, database, due_at=utcnow() - timedelta(hours=1))
    student = await student_in(database, room.course.id)
    sent = await client.mutate(
        "submitAssignment",
        {"assignmentId": gid("Assignment", made.id), "text": "late"},
        SUBMISSION,
        token=token_for(client, student),
    )
    assert [e["code"] for e in sent.payload("submitAssignment")["errors"]] == [
        "LATE_SUBMISSION_NOT_ALLOWED"
    ]


async def test_students_not_enrolled_are_forbidden_to_submit(
    client: GraphQLClient, database: Database
):
    room = await classroom(database)
    made = await assignment_in(room, database)
    outsider = await person(database)
    sent = await client.mutate(
        "submitAssignment",
        {"assignmentId": gid("Assignment", made.id), "text": "hi"},
        SUBMISSION,
        token=token_for(client, outsider),
    )
    assert sent.codes == ["FORBIDDEN"]


async def test_a_student_grading_is_forbidden(client: GraphQLClient, database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    me = token_for(client, student)
    sent = await client.mutate(
        "submitAssignment",
        {"assignmentId": gid("Assignment", made.id), "text": "x"},
        SUBMISSION,
        token=me,
    )
    submission_id = sent.payload("submitAssignment")["submission"]["id"]
    graded = await client.mutate(
        "gradeAssignment",
        {"submissionId": submission_id, "pointsAwarded": 100},
        SUBMISSION,
        token=me,
    )
    assert graded.codes == ["FORBIDDEN"]


async def test_revision_and_resubmission_through_the_api(client: GraphQLClient, database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    me, teacher = token_for(client, student), token_for(client, room.teacher)
    args = {"assignmentId": gid("Assignment", made.id), "text": "draft"}
    first = (await client.mutate("submitAssignment", args, SUBMISSION, token=me)).payload(
        "submitAssignment"
    )["submission"]
    asked = await client.mutate(
        "requestRevision",
        {"submissionId": first["id"], "feedback": "More"},
        SUBMISSION,
        token=teacher,
    )
    assert asked.payload("requestRevision")["submission"]["status"] == "REVISION_REQUESTED"
    second = (await client.mutate("submitAssignment", args, SUBMISSION, token=me)).payload(
        "submitAssignment"
    )["submission"]
    assert (second["parentSubmissionId"], second["revisionNumber"]) == (first["id"], 2)


async def test_assignment_nodes_are_hidden_from_outsiders(
    client: GraphQLClient, database: Database
):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    outsider = await person(database)
    query = "query($id: ID!) { node(id: $id) { ... on Assignment { title } } }"
    variables = {"id": gid("Assignment", made.id)}
    seen = await client.execute(query, variables, token=token_for(client, student))
    hidden = await client.execute(query, variables, token=token_for(client, outsider))
    assert seen.payload("node") == {"title": made.title}
    assert hidden.data == {"node": None}
    assert hidden.codes == ["NOT_FOUND"]


async def test_exam_flow_start_submit_grade(client: GraphQLClient, database: Database):
    room = await classroom(database)
    teacher = token_for(client, room.teacher)
    created = await client.mutate(
        "createExam",
        {
            "courseId": gid("Course", room.course.id),
            "title": "Final",
            "durationMinutes": 30,
            "isFinal": True,
        },
        "exam { id isFinal attemptsLimit }",
        token=teacher,
    )
    exam_id = created.payload("createExam")["exam"]["id"]
    added = await client.mutate(
        "addExamResource",
        {"examId": exam_id, "fileName": "Formulas", "url": "https://example.com/f.pdf"},
        "resource { fileName url }",
        token=teacher,
    )
    assert added.payload("addExamResource")["resource"]["url"] == "https://example.com/f.pdf"
    student = await student_in(database, room.course.id)
    me = token_for(client, student)
    started = await client.mutate("startExam", {"examId": exam_id}, ATTEMPT, token=me)
    attempt = started.payload("startExam")["submission"]
    assert attempt["status"] == "IN_PROGRESS"
    sent = await client.mutate(
        "submitExam", {"submissionId": attempt["id"], "notes": "done"}, ATTEMPT, token=me
    )
    assert sent.payload("submitExam")["submission"]["status"] == "SUBMITTED"
    graded = await client.mutate(
        "gradeExam",
        {"submissionId": attempt["id"], "score": 80, "feedback": "ok"},
        ATTEMPT,
        token=teacher,
    )
    assert graded.payload("gradeExam")["submission"]["isPassed"] is True
    read = await client.execute(
        "query($id: ID!) { exam(id: $id) { title resources { fileName url } } "
        "myExamSubmissions(examId: $id) { attemptNumber status } }",
        {"id": exam_id},
        token=me,
    )
    assert read.data is not None
    assert not read.errors
    assert read.data["myExamSubmissions"] == [{"attemptNumber": 1, "status": "GRADED"}]
    assert read.data["exam"]["resources"] == [
        {"fileName": "Formulas", "url": "https://example.com/f.pdf"}
    ]


async def test_gradebook_for_teachers_only_and_its_csv_export(
    client: GraphQLClient, database: Database
):
    room = await classroom(database)
    await assignment_in(room, database)
    await exam_in(room, database)
    await student_in(database, room.course.id)
    query = (
        "query($id: ID!) { courseGradebook(courseId: $id) { columns { kind title } "
        "rows { name enrollmentStatus cells { status scorePercentage } } } }"
    )
    variables = {"id": gid("Course", room.course.id)}
    teacher = token_for(client, room.teacher)
    book = (await client.execute(query, variables, token=teacher)).payload("courseGradebook")
    assert [c["kind"] for c in book["columns"]] == ["ASSIGNMENT", "EXAM"]
    assert book["rows"][0]["enrollmentStatus"] == "ACTIVE"
    assert book["rows"][0]["cells"] == [{"status": "NOT_STARTED", "scorePercentage": None}] * 2
    exported = await client.mutate(
        "exportGradebook", {"courseId": variables["id"]}, "url expiresAt", token=teacher
    )
    export = exported.payload("exportGradebook")
    assert export["errors"] == []
    assert "/files/download/" in export["url"]
    assert export["expiresAt"] is not None
    other = await instructor(database)
    denied = await client.execute(query, variables, token=token_for(client, other))
    assert denied.codes == ["FORBIDDEN"]
    assert denied.data == {"courseGradebook": None}
    refused = await client.mutate(
        "exportGradebook", {"courseId": variables["id"]}, "url", token=token_for(client, other)
    )
    assert refused.codes == ["FORBIDDEN"]
    missing = await client.execute(query, {"id": gid("Course", uuid.uuid4())}, token=teacher)
    assert missing.codes == ["NOT_FOUND"]
