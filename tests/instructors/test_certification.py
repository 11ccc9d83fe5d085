"""setCourseCertification: whether a course certifies and whether completing it needs the
final exam; the final-exam rule never changes under certificates already issued."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.assessments.models import Exam
from app.catalog.models import Course, Lesson
from app.db import Database
from app.ids import new_id
from app.integrations.storage import LocalStorage
from app.learning.certificates import NotEligible, issue_certificate
from app.learning.models import Enrollment, EnrollmentStatus
from app.settings import get_settings
from tests.support import catalog as f
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient
from tests.support.learning import complete, completed_enrollment, enroll


async def certify(client: GraphQLClient, course: Course, **input_: Any) -> dict[str, Any]:
    owner = await _owner(client.database, course)
    outcome = await client.mutate(
        "setCourseCertification",
        {"courseId": gid("Course", course.id), **input_},
        "course { isCertified requiresFinalExam }",
        token=token_for(client, owner),
    )
    return outcome.payload("setCourseCertification")


async def _owner(database: Database, course: Course) -> Any:
    async with database.session() as session:
        return await session.get(User, course.instructor_id)


async def final_exam(database: Database, course: Course) -> Exam:
    async with database.transaction() as session:
        exam = Exam(
            id=new_id(), course_id=course.id, title="Final", duration_minutes=30, is_final=True
        )
        session.add(exam)
    return exam


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(
        tmp_path / "storage", secret_key="k" * 40, public_url="http://api.test", download_ttl=60
    )


async def test_requiring_the_final_exam_needs_a_final_exam(
    client: GraphQLClient, database: Database
) -> None:
    course = await f.course(database, (await f.instructor(database)).id)

    refused = await certify(client, course, isCertified=True, requiresFinalExam=True)
    await final_exam(database, course)
    accepted = await certify(client, course, isCertified=True, requiresFinalExam=True)

    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("requiresFinalExam", "FINAL_EXAM_MISSING")
    ]
    assert accepted["course"] == {"isCertified": True, "requiresFinalExam": True}


async def test_a_required_final_exam_stays_final(client: GraphQLClient, database: Database) -> None:
    course = await f.course(database, (await f.instructor(database)).id)
    exam = await final_exam(database, course)
    await certify(client, course, isCertified=True, requiresFinalExam=True)

    outcome = await client.mutate(
        "updateExam",
        {"examId": gid("Exam", exam.id), "isFinal": False},
        "exam { isFinal }",
        token=token_for(client, await _owner(database, course)),
    )

    assert [e["code"] for e in outcome.payload("updateExam")["errors"]] == ["FINAL_EXAM_REQUIRED"]


async def test_the_final_exam_rule_is_fixed_once_certificates_were_issued(
    client: GraphQLClient, database: Database, storage: LocalStorage
) -> None:
    enrollment, _, course = await completed_enrollment(database)
    await issue_certificate(database, storage, get_settings(), enrollment_id=enrollment.id)
    await final_exam(database, course)

    changed = await certify(client, course, isCertified=True, requiresFinalExam=True)
    uncertified = await certify(client, course, isCertified=False, requiresFinalExam=False)

    assert [e["code"] for e in changed["errors"]] == ["CERTIFICATES_ISSUED"]
    assert uncertified["course"] == {"isCertified": False, "requiresFinalExam": False}


async def test_a_course_that_does_not_certify_issues_no_certificate(
    client: GraphQLClient, database: Database, storage: LocalStorage
) -> None:
    enrollment, _, course = await completed_enrollment(database)
    await certify(client, course, isCertified=False, requiresFinalExam=False)

    with pytest.raises(NotEligible):
        await issue_certificate(database, storage, get_settings(), enrollment_id=enrollment.id)


async def test_dropping_the_requirement_completes_students_who_only_waited_for_the_exam(
    client: GraphQLClient, database: Database
) -> None:
    course = await f.course(
        database, (await f.instructor(database)).id, modules=1, lessons=1, tiers=()
    )
    await final_exam(database, course)
    await certify(client, course, isCertified=True, requiresFinalExam=True)
    enrollment = await enroll(database, await person(database), course)
    async with database.session() as session:
        lesson_ids = list(
            await session.scalars(select(Lesson.id).where(Lesson.course_id == course.id))
        )
    await complete(database, enrollment, lesson_ids[0])

    await certify(client, course, isCertified=True, requiresFinalExam=False)

    async with database.session() as session:
        row = await session.get(Enrollment, enrollment.id)
    assert row is not None
    assert row.status == EnrollmentStatus.COMPLETED
