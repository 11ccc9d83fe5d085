"""Assignments (Properties 35-37): authoring by the course's teachers, submissions by enrolled
students with validated files, late detection and penalty, grading, revisions."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.assessments import assignments as svc
from app.assessments import repo
from app.assessments.models import (
    AssignmentSubmission,
    AssignmentSubmissionFile,
    SubmissionStatus,
)
from app.catalog.models import LessonType
from app.clock import utcnow
from app.db import Database
from app.errors import Forbidden, Invalid, UserFacingError
from app.learning.models import LessonProgress, ProgressStatus
from app.media.models import FileAsset, FileStatus
from app.notifications.models import Notification, NotificationType
from app.security.permissions import Actor
from tests.support.assignments import (
    PDF,
    PNG,
    admin,
    assignment_in,
    classroom,
    count,
    enrollment_of,
    person,
    storage,
    student_in,
    upload,
)
from tests.support.catalog import gid, instructor, token_for
from tests.support.graphql import GraphQLClient


async def submit(database: Database, student_id, assignment_id, **kw):  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        return await svc.submit_assignment(
            session, storage(), student_id=student_id, assignment_id=assignment_id, **kw
        )


async def grade(database: Database, actor: Actor, submission_id, **kw):  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        return await svc.grade_assignment(session, actor=actor, submission_id=submission_id, **kw)


# --- authoring ------------------------------------------------------------------------------------


async def test_teacher_creates_an_assignment_with_normalised_types_and_rubric(database: Database):
    room = await classroom(database)
    made = await assignment_in(
        room,
        database,
        allowed_file_types=[".PDF", "image/png", "pdf"],
        max_points=10,
        rubric=[svc.RubricCriterion("Clarity", 4), svc.RubricCriterion("Depth", 6)],
    )
    assert made.allowed_file_types == ["pdf", "image/png"]
    assert [c["criterion"] for c in made.rubric] == ["Clarity", "Depth"]


async def test_rubric_points_must_add_up_to_max_points(database: Database):
    room = await classroom(database)
    with pytest.raises(UserFacingError) as err:
        await assignment_in(room, database, max_points=10, rubric=[svc.RubricCriterion("A", 3)])
    assert [(e.field, e.code) for e in err.value.errors] == [("rubric", "POINTS_MISMATCH")]


async def test_unknown_file_types_are_refused_at_authoring(database: Database):
    room = await classroom(database)
    with pytest.raises(UserFacingError) as err:
        await assignment_in(room, database, allowed_file_types=["pdf", "exe"])
    assert [(e.field, e.code) for e in err.value.errors] == [("allowed_file_types[1]", "INVALID")]


async def test_only_assignment_lessons_take_assignments(database: Database):
    room = await classroom(database)
    async with database.transaction() as session:
        lesson = await session.get(type(room.lesson), room.lesson.id)
        assert lesson is not None
        lesson.type = LessonType.TEXT
    with pytest.raises(Invalid) as err:
        await assignment_in(room, database)
    assert err.value.errors[0].code == "WRONG_LESSON_TYPE"


async def test_another_courses_teacher_cannot_author(database: Database):
    room = await classroom(database)
    other = Actor.of(await instructor(database))
    async with database.transaction() as session:
        with pytest.raises(Forbidden):
            await svc.create_assignment(
                session, actor=other, lesson_id=room.lesson.id, title="x", instructions="y"
            )


async def test_update_changes_only_given_settings(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database, late_penalty_percentage=10)
    async with database.transaction() as session:
        changed = await svc.update_assignment(
            session, actor=room.actor, assignment_id=made.id, title="Renamed", due_at=None
        )
    assert (changed.title, changed.late_penalty_percentage) == ("Renamed", 10)


# --- submitting (Property 35) ---------------------------------------------------------------------


async def test_enrolled_student_submits_text_and_a_pdf(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    file_id = await upload(database, student, PDF)
    sub = await submit(database, student.id, made.id, text=" My essay ", file_ids=[file_id])
    assert (sub.text, sub.revision_number, sub.is_late) == ("My essay", 1, False)
    async with database.session() as session:
        files = list(await session.scalars(select(AssignmentSubmissionFile)))
        asset = await session.get(FileAsset, file_id)
    assert [f.file_asset_id for f in files] == [file_id]
    assert asset is not None
    assert asset.status == FileStatus.UPLOADED


async def test_property_35_a_file_of_a_forbidden_type_is_rejected_and_nothing_stored(
    database: Database,
):
    room = await classroom(database)
    made = await assignment_in(room, database, allowed_file_types=["pdf"])
    student = await student_in(database, room.course.id)
    # Declared as a PDF, but the bytes are a PNG: the sniffed type decides.
    file_id = await upload(database, student, PNG, name="essay.pdf")
    with pytest.raises(UserFacingError) as err:
        await submit(database, student.id, made.id, file_ids=[file_id])
    assert err.value.errors[0].code in {"FILE_TYPE_MISMATCH", "FILE_TYPE_NOT_ALLOWED"}
    assert err.value.errors[0].field == "file_ids[0]"  # the submission's own input field
    assert await count(database, AssignmentSubmission) == 0
    assert await count(database, AssignmentSubmissionFile) == 0


async def test_property_35_an_upload_of_a_forbidden_declared_type_is_refused(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database, allowed_file_types=["pdf"])
    student = await student_in(database, room.course.id)
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as err:
            await svc.request_assignment_upload(
                session,
                storage(),
                student_id=student.id,
                assignment_id=made.id,
                file_name="photo.png",
                content_type="image/png",
                size=100,
            )
    assert err.value.errors[0].code == "FILE_TYPE_NOT_ALLOWED"
    assert await count(database, FileAsset) == 0


async def test_property_35_a_file_too_large_is_refused(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database, max_file_size_mb=1)
    student = await student_in(database, room.course.id)
    async with database.transaction() as session:
        with pytest.raises(UserFacingError) as err:
            await svc.request_assignment_upload(
                session,
                storage(),
                student_id=student.id,
                assignment_id=made.id,
                file_name="big.pdf",
                content_type="application/pdf",
                size=2 * 1024 * 1024,
            )
    assert err.value.errors[0].code == "FILE_TOO_LARGE"
    assert await count(database, FileAsset) == 0


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(limit_mb=st.integers(1, 3), size_kb=st.integers(1, 4096))
async def test_property_35_uploads_pass_exactly_when_within_the_size_limit(
    database: Database, limit_mb: int, size_kb: int
):
    room = await classroom(database)
    made = await assignment_in(room, database, max_file_size_mb=limit_mb)
    student = await student_in(database, room.course.id)
    size = size_kb * 1024
    async with database.transaction() as session:
        try:
            await svc.request_assignment_upload(
                session,
                storage(),
                student_id=student.id,
                assignment_id=made.id,
                file_name="a.pdf",
                content_type="application/pdf",
                size=size,
            )
            accepted = True
        except UserFacingError:
            accepted = False
    assert accepted == (size <= limit_mb * 1024 * 1024)


async def test_someone_elses_upload_cannot_be_attached(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    thief = await student_in(database, room.course.id)
    file_id = await upload(database, student, PDF)
    with pytest.raises(UserFacingError) as err:
        await submit(database, thief.id, made.id, text="x", file_ids=[file_id])
    assert (err.value.errors[0].field, err.value.errors[0].code) == (
        "file_ids[0]",
        "FILE_NOT_FOUND",
    )


async def test_a_required_file_must_be_attached(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database, requires_file_upload=True)
    student = await student_in(database, room.course.id)
    with pytest.raises(UserFacingError) as err:
        await submit(database, student.id, made.id, text="only text")
    assert (err.value.errors[0].field, err.value.errors[0].code) == ("file_ids", "REQUIRED")


async def test_a_student_not_enrolled_cannot_submit(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    outsider = await person(database)
    with pytest.raises(Forbidden):
        await submit(database, outsider.id, made.id, text="hi")
    assert await count(database, AssignmentSubmission) == 0


async def test_a_second_submission_without_a_revision_request_conflicts(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    await submit(database, student.id, made.id, text="one")
    with pytest.raises(UserFacingError) as err:
        await submit(database, student.id, made.id, text="two")
    assert err.value.errors[0].code == "ALREADY_SUBMITTED"


async def test_two_concurrent_submissions_store_one(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    results = await asyncio.gather(
        *(submit(database, student.id, made.id, text=str(i)) for i in range(2)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, AssignmentSubmission) for r in results) == 1
    assert await count(database, AssignmentSubmission) == 1


# --- lateness (Property 36) -----------------------------------------------------------------------


async def test_property_36_after_the_due_date_a_submission_is_refused_unless_allowed(
    database: Database,
):
    room = await classroom(database)
    made = await assignment_in(room, database, due_at=utcnow() - timedelta(minutes=1))
    student = await student_in(database, room.course.id)
    with pytest.raises(UserFacingError) as err:
        await submit(database, student.id, made.id, text="late")
    assert err.value.errors[0].code == "LATE_SUBMISSION_NOT_ALLOWED"
    assert await count(database, AssignmentSubmission) == 0


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    minutes=st.integers(-600, 600).filter(lambda m: abs(m) > 1),
    penalty=st.integers(0, 100),
    points=st.integers(0, 100),
)
async def test_property_36_late_flag_and_penalty_follow_the_due_date(
    database: Database, minutes: int, penalty: int, points: int
):
    room = await classroom(database)
    made = await assignment_in(
        room,
        database,
        due_at=utcnow() + timedelta(minutes=minutes),
        late_submission_allowed=True,
        late_penalty_percentage=penalty,
    )
    student = await student_in(database, room.course.id)
    sub = await submit(database, student.id, made.id, text="work")
    graded = await grade(database, room.actor, sub.id, points_awarded=Decimal(points))
    late = minutes < 0
    assert sub.is_late == late
    expected_penalty = Decimal(points * penalty) / 100 if late else Decimal(0)
    assert graded.late_penalty_points == expected_penalty.quantize(Decimal("0.01"))
    assert graded.points_awarded == Decimal(points) - graded.late_penalty_points


# --- grading --------------------------------------------------------------------------------------


async def test_grading_by_rubric_notifies_and_completes_the_lesson(database: Database):
    room = await classroom(database)
    made = await assignment_in(
        room,
        database,
        max_points=10,
        rubric=[svc.RubricCriterion("Clarity", 4), svc.RubricCriterion("Depth", 6)],
    )
    student = await student_in(database, room.course.id)
    sub = await submit(database, student.id, made.id, text="work")
    graded = await grade(
        database,
        room.actor,
        sub.id,
        rubric_scores=[
            svc.RubricScore("Clarity", Decimal(3)),
            svc.RubricScore("Depth", Decimal(5)),
        ],
        feedback="Good",
    )
    assert (graded.points_awarded, graded.grading_status) == (Decimal(8), SubmissionStatus.GRADED)
    enrollment = await enrollment_of(database, student, room.course.id)
    async with database.session() as session:
        progress = await session.scalar(
            select(LessonProgress).where(LessonProgress.enrollment_id == enrollment.id)
        )
        notes = list(
            await session.scalars(
                select(Notification).where(Notification.recipient_id == student.id)
            )
        )
    assert progress is not None
    assert progress.status == ProgressStatus.COMPLETED
    assert progress.quiz_score == Decimal("80.00")
    assert NotificationType.GRADE_POSTED in {n.type for n in notes}


async def test_a_low_grade_does_not_complete_the_lesson(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    sub = await submit(database, student.id, made.id, text="work")
    await grade(database, room.actor, sub.id, points_awarded=Decimal(59))
    enrollment = await enrollment_of(database, student, room.course.id)
    async with database.session() as session:
        progress = await session.scalar(
            select(LessonProgress).where(LessonProgress.enrollment_id == enrollment.id)
        )
    assert progress is not None
    assert progress.status != ProgressStatus.COMPLETED


async def test_rubric_scores_above_a_criterion_are_refused(database: Database):
    room = await classroom(database)
    made = await assignment_in(
        room, database, max_points=4, rubric=[svc.RubricCriterion("Clarity", 4)]
    )
    student = await student_in(database, room.course.id)
    sub = await submit(database, student.id, made.id, text="work")
    with pytest.raises(UserFacingError) as err:
        await grade(
            database,
            room.actor,
            sub.id,
            rubric_scores=[
                svc.RubricScore("Clarity", Decimal(5)),
                svc.RubricScore("Style", Decimal(1)),
            ],
        )
    assert [(e.field, e.code) for e in err.value.errors] == [
        ("rubric_scores[0].points", "OUT_OF_RANGE"),
        ("rubric_scores[1].criterion", "UNKNOWN_CRITERION"),
    ]


async def test_a_student_cannot_grade(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    sub = await submit(database, student.id, made.id, text="work")
    with pytest.raises(Forbidden):
        await grade(database, Actor.of(student), sub.id, points_awarded=Decimal(100))
    async with database.session() as session:
        row = await session.get(AssignmentSubmission, sub.id)
    assert row is not None
    assert row.points_awarded is None


async def test_another_courses_teacher_cannot_grade(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    sub = await submit(database, student.id, made.id, text="work")
    other = Actor.of(await instructor(database))
    with pytest.raises(Forbidden):
        await grade(database, other, sub.id, points_awarded=Decimal(1))


async def test_an_admin_may_grade_any_course(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    sub = await submit(database, student.id, made.id, text="work")
    graded = await grade(database, await admin(database), sub.id, points_awarded=Decimal(70))
    assert graded.points_awarded == Decimal(70)


# --- revisions (Property 37) ----------------------------------------------------------------------


async def test_property_37_a_resubmission_links_to_the_revised_submission(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    first = await submit(database, student.id, made.id, text="draft")
    async with database.transaction() as session:
        asked = await svc.request_revision(
            session, actor=room.actor, submission_id=first.id, feedback="More depth"
        )
    assert asked.grading_status == SubmissionStatus.REVISION_REQUESTED
    second = await submit(database, student.id, made.id, text="better")
    third_try = submit(database, student.id, made.id, text="again")
    assert (second.parent_submission_id, second.revision_number) == (first.id, 2)
    with pytest.raises(UserFacingError):
        await third_try
    async with database.session() as session:
        [mine] = await repo.submissions_by_student_assignment(session, [(student.id, made.id)])
    assert [s.revision_number for s in mine] == [1, 2]


async def test_a_revision_request_notifies_the_student_and_blocks_grading_it(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database)
    student = await student_in(database, room.course.id)
    first = await submit(database, student.id, made.id, text="draft")
    async with database.transaction() as session:
        await svc.request_revision(
            session, actor=room.actor, submission_id=first.id, feedback="Redo"
        )
    assert await count(database, Notification, Notification.recipient_id == student.id) >= 1
    with pytest.raises(UserFacingError) as err:
        await grade(database, room.actor, first.id, points_awarded=Decimal(5))
    assert err.value.errors[0].code == "REVISION_REQUESTED"


async def test_a_requested_revision_may_come_after_the_due_date(database: Database):
    room = await classroom(database)
    made = await assignment_in(room, database, due_at=utcnow() + timedelta(seconds=2))
    student = await student_in(database, room.course.id)
    first = await submit(database, student.id, made.id, text="draft")
    async with database.transaction() as session:
        await svc.request_revision(session, actor=room.actor, submission_id=first.id, feedback="x")
        row = await session.get(type(made), made.id)
        assert row is not None
        row.due_at = utcnow() - timedelta(minutes=5)
    second = await submit(database, student.id, made.id, text="fixed")
    assert second.is_late is False


async def test_assignments_are_hidden_from_students_not_enrolled(
    database: Database, client: GraphQLClient
):
    room = await classroom(database)
    made = await assignment_in(room, database)
    outsider = await person(database)
    query = "query($id: ID!) { assignment(id: $id) { title } }"
    hidden = await client.execute(
        query, {"id": gid("Assignment", made.id)}, token=token_for(client, outsider)
    )
    assert hidden.data == {"assignment": None}
    assert hidden.codes == ["NOT_FOUND"]
    student = await student_in(database, room.course.id)
    seen = await client.execute(
        query, {"id": gid("Assignment", made.id)}, token=token_for(client, student)
    )
    assert seen.payload("assignment") == {"title": made.title}
