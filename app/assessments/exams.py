"""Course exams (seed 000 §7.3): timed, attempts-limited, with resources and file submissions.

- The course's teachers or admins create and change exams and add resources (a link or an
  uploaded file). At most one exam per course is final; passing it is what
  `courses.requires_final_exam` asks for (`mark_final_exam_passed`).
- An enrolled student starts an attempt inside the availability window. The deadline is set on
  the server: start + duration, never past `available_until`. Starting again while an attempt is
  open returns that attempt; an open attempt whose deadline has passed is closed (submitted at its
  deadline, without notes or files) and counts. Attempts are counted under a row lock on the
  enrollment, so two concurrent starts never exceed `attempts_limit` (0: no cap); an attempt the
  teacher sent back (`revision_required`) does not count against the limit.
- Submitting after the deadline fails with EXAM_TIME_OVER and changes nothing; a submission is
  accepted once (a row lock serialises concurrent submits).
- Grading: score 0..total_marks, passed at `passing_marks`; `require_revision` sends it back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import EntityType, EventType, record_event
from app.assessments import checks, repo
from app.assessments.coursework import MB, attach_files, teacher_course
from app.assessments.errors import AssessmentsCode
from app.assessments.models import (
    Exam,
    ExamResource,
    ExamSubmission,
    ExamSubmissionFile,
    ExamSubmissionStatus,
)
from app.clock import utcnow
from app.errors import Common, Conflict, FieldError, Invalid, NotFound, collect
from app.ids import new_id
from app.integrations.storage import Storage
from app.learning import lock_enrollment
from app.learning import service as learning
from app.media import attached_url
from app.media import service as media
from app.media.models import FileAsset, FilePurpose
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.security.permissions import Actor

EXAM_FILE_MAX_MB = 50
MAX_TITLE = 220
MAX_LONG_TEXT = 20000
SETTINGS = (
    "title",
    "description",
    "instructions",
    "duration_minutes",
    "total_marks",
    "passing_marks",
    "attempts_limit",
    "is_final",
    "available_from",
    "available_until",
)


def _check(values: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    values["title"] = checks.text(errors, "title", values["title"], max_length=MAX_TITLE)
    for name in ("description", "instructions"):
        values[name] = checks.text(
            errors, name, values[name], max_length=MAX_LONG_TEXT, required=False
        )
    checks.in_range(errors, "duration_minutes", values["duration_minutes"], 1, 24 * 60)
    checks.in_range(errors, "total_marks", values["total_marks"], 1, 10000)
    if values["total_marks"] > 0:
        checks.in_range(errors, "passing_marks", values["passing_marks"], 0, values["total_marks"])
    checks.in_range(errors, "attempts_limit", values["attempts_limit"], 0, 100)
    checks.window(errors, values["available_from"], values["available_until"], "available_until")
    collect(errors)
    return values


def _final_exists() -> Conflict:
    return Conflict(
        "is_final", "The course already has a final exam", AssessmentsCode.FINAL_EXAM_EXISTS
    )


async def _save(session: AsyncSession, exam: Exam) -> Exam:
    if exam.is_final and await repo.other_final_exam(session, exam.course_id, exam.id):
        raise _final_exists()
    try:
        async with session.begin_nested():
            session.add(exam)
            await session.flush()
    except IntegrityError as exc:  # a concurrent final exam won
        raise _final_exists() from exc
    return exam


async def create_exam(
    session: AsyncSession,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    title: str,
    duration_minutes: int,
    description: str | None = None,
    instructions: str | None = None,
    total_marks: int = 100,
    passing_marks: int = 70,
    attempts_limit: int = 3,
    is_final: bool = False,
    available_from: datetime | None = None,
    available_until: datetime | None = None,
) -> Exam:
    values = {name: value for name, value in locals().items() if name in SETTINGS}
    course = await teacher_course(session, actor, course_id)
    return await _save(session, Exam(id=new_id(), course_id=course.id, **_check(values)))


async def has_final_exam(session: AsyncSession, *, course_id: uuid.UUID) -> bool:
    return await repo.other_final_exam(session, course_id, None) is not None


async def update_exam(
    session: AsyncSession, *, actor: Actor, exam_id: uuid.UUID, **changes: Any
) -> Exam:
    """The final exam of a course that requires one stays final (FINAL_EXAM_REQUIRED); the
    course row is locked for that check, as `setCourseCertification` locks it."""
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown exam settings: {sorted(unknown)}")
    exam = await repo.lock_exam(session, exam_id)
    if exam is None:
        raise NotFound("Exam")
    unfinal = exam.is_final and changes.get("is_final") is False
    course = await teacher_course(session, actor, exam.course_id, lock=unfinal)
    if unfinal and course.requires_final_exam:
        raise Conflict(
            "is_final",
            "The course requires its final exam: stop requiring it first",
            AssessmentsCode.FINAL_EXAM_REQUIRED,
        )
    values = _check({**{n: getattr(exam, n) for n in SETTINGS}, **changes})
    for name, value in values.items():
        setattr(exam, name, value)
    return await _save(session, exam)


async def add_exam_resource(
    session: AsyncSession,
    *,
    actor: Actor,
    exam_id: uuid.UUID,
    file_name: str,
    description: str | None = None,
    url: str | None = None,
    file_id: uuid.UUID | None = None,
) -> ExamResource:
    """A link (`url`, http(s)) or a file the teacher uploaded (`file_id`), exactly one."""
    exam = (await repo.exams_by_ids(session, [exam_id]))[0]
    if exam is None:
        raise NotFound("Exam")
    await teacher_course(session, actor, exam.course_id)
    errors: list[FieldError] = []
    name = checks.text(errors, "file_name", file_name, max_length=255)
    clean_description = checks.text(
        errors, "description", description, max_length=2000, required=False
    )
    link = checks.link(errors, "url", url)
    if (link is None) == (file_id is None):  # a blank link is no link
        errors.append(FieldError(None, "Give either a link or an upload", Common.INVALID))
    collect(errors)
    content_type = None
    if file_id is not None:
        asset = await media.claim_upload(
            session,
            owner_id=actor.id,
            file_id=file_id,
            purpose=FilePurpose.EXAM_RESOURCE,
            field="file_id",
        )
        content_type = asset.content_type
    resource = ExamResource(
        exam_id=exam.id,
        file_name=name,
        description=clean_description,
        url=link,
        file_asset_id=file_id,
        content_type=content_type,
    )
    session.add(resource)
    await session.flush()
    return resource


# --- taking --------------------------------------------------------------------------------------


def _open_now(exam: Exam, now: datetime) -> None:
    if exam.available_from is not None and now < exam.available_from:
        raise Invalid("exam_id", "The exam has not opened yet", AssessmentsCode.NOT_OPEN_YET)
    if exam.available_until is not None and now >= exam.available_until:
        raise Invalid("exam_id", "The exam has closed", AssessmentsCode.CLOSED)


async def start_exam(
    session: AsyncSession, *, student_id: uuid.UUID, exam_id: uuid.UUID
) -> ExamSubmission:
    exam = (await repo.exams_by_ids(session, [exam_id]))[0]
    if exam is None:
        raise NotFound("Exam")
    enrollment = await learning.require_enrollment(
        session, student_id=student_id, course_id=exam.course_id
    )
    # Serialise this student's starts in this course: counting and inserting happen under it.
    await lock_enrollment(session, enrollment.id)
    now = utcnow()
    mine = (await repo.exam_submissions_by_student_exam(session, [(student_id, exam.id)]))[0]
    for attempt in mine:
        if attempt.status == ExamSubmissionStatus.IN_PROGRESS:
            if now <= attempt.deadline_at:
                return attempt
            attempt.status = ExamSubmissionStatus.SUBMITTED  # closed at its deadline
            attempt.submitted_at = attempt.deadline_at
            _record(session, EventType.EXAM_SUBMITTED, exam, attempt, attempt.deadline_at)
    _open_now(exam, now)
    counted = [a for a in mine if a.status != ExamSubmissionStatus.REVISION_REQUIRED]
    if exam.attempts_limit and len(counted) >= exam.attempts_limit:
        raise Invalid(
            "exam_id", "No attempts left for this exam", AssessmentsCode.ATTEMPTS_EXHAUSTED
        )
    deadline = now + timedelta(minutes=exam.duration_minutes)
    if exam.available_until is not None:
        deadline = min(deadline, exam.available_until)
    attempt = ExamSubmission(
        exam_id=exam.id,
        user_id=student_id,
        enrollment_id=enrollment.id,
        attempt_number=max((a.attempt_number for a in mine), default=0) + 1,
        started_at=now,
        deadline_at=deadline,
    )
    session.add(attempt)
    await session.flush()
    _record(session, EventType.EXAM_STARTED, exam, attempt, now)
    return attempt


def _record(
    session: AsyncSession,
    event_type: EventType,
    exam: Exam,
    attempt: ExamSubmission,
    at: datetime,
) -> None:
    """exam.started / exam.submitted once the transaction commits (an exam is graded by hand
    later: a submission carries no score yet)."""
    properties: dict[str, Any] = {"attempt_id": str(attempt.id)}
    if event_type == EventType.EXAM_SUBMITTED:
        properties |= {"score": None, "passed": None}
    record_event(
        event_type,
        user_id=attempt.user_id,
        course_id=exam.course_id,
        entity_type=EntityType.EXAM,
        entity_id=exam.id,
        properties=properties,
        occurred_at=at,
        session=session,
    )


async def submit_exam(
    session: AsyncSession,
    storage: Storage,
    *,
    student_id: uuid.UUID,
    submission_id: uuid.UUID,
    notes: str | None = None,
    file_ids: Sequence[uuid.UUID] = (),
) -> ExamSubmission:
    attempt = await repo.lock_exam_submission(session, submission_id)
    if attempt is None or attempt.user_id != student_id:
        raise NotFound("Exam attempt")
    if attempt.status != ExamSubmissionStatus.IN_PROGRESS:
        raise Conflict(
            None, "This attempt was already submitted", AssessmentsCode.ALREADY_SUBMITTED
        )
    now = utcnow()
    if now > attempt.deadline_at:
        raise Invalid(None, "The time for this exam is over", AssessmentsCode.ATTEMPT_EXPIRED)
    errors: list[FieldError] = []
    clean_notes = checks.text(errors, "notes", notes, max_length=MAX_LONG_TEXT, required=False)
    collect(errors)
    assets = await attach_files(
        session,
        storage,
        owner_id=student_id,
        file_ids=file_ids,
        purpose=FilePurpose.EXAM_SUBMISSION,
        allowed_types=None,
        max_size=EXAM_FILE_MAX_MB * MB,
    )
    attempt.status = ExamSubmissionStatus.SUBMITTED
    attempt.submitted_at = now
    attempt.notes = clean_notes
    session.add_all(
        ExamSubmissionFile(
            submission_id=attempt.id,
            file_asset_id=a.id,
            file_name=a.file_name,
            content_type=a.content_type,
            size_bytes=a.size_bytes,
        )
        for a in assets
    )
    await session.flush()
    exam = (await repo.exams_by_ids(session, [attempt.exam_id]))[0]
    if exam is not None:
        _record(session, EventType.EXAM_SUBMITTED, exam, attempt, now)
    return attempt


# --- grading -------------------------------------------------------------------------------------


async def grade_exam(
    session: AsyncSession,
    *,
    actor: Actor,
    submission_id: uuid.UUID,
    score: Decimal,
    feedback: str | None = None,
    require_revision: bool = False,
) -> ExamSubmission:
    attempt = await repo.lock_exam_submission(session, submission_id)
    if attempt is None:
        raise NotFound("Exam attempt")
    exam = (await repo.exams_by_ids(session, [attempt.exam_id]))[0]
    assert exam is not None  # CASCADE
    await teacher_course(session, actor, exam.course_id, grading=True)
    if attempt.status == ExamSubmissionStatus.IN_PROGRESS:
        raise Conflict(None, "The attempt has not been submitted", AssessmentsCode.NOT_SUBMITTED)
    errors: list[FieldError] = []
    if not 0 <= score <= exam.total_marks:
        errors.append(FieldError("score", f"Between 0 and {exam.total_marks}", Common.OUT_OF_RANGE))
    feedback = checks.text(
        errors, "feedback", feedback, max_length=MAX_LONG_TEXT, required=require_revision
    )
    collect(errors)
    attempt.score = Decimal(score)
    attempt.is_passed = not require_revision and score >= exam.passing_marks
    attempt.feedback = feedback
    attempt.status = (
        ExamSubmissionStatus.REVISION_REQUIRED if require_revision else ExamSubmissionStatus.GRADED
    )
    attempt.graded_at = utcnow()
    attempt.graded_by_id = actor.id
    await notify(
        session,
        recipient_id=attempt.user_id,
        type=NotificationType.GRADE_POSTED,
        title=f"{'Revision required' if require_revision else 'Graded'}: {exam.title}",
        body=f"Score {attempt.score} of {exam.total_marks}.",
        category=NotificationCategory.COURSE,
        metadata={"exam_id": str(exam.id), "submission_id": str(attempt.id)},
    )
    await session.flush()
    if exam.is_final and attempt.is_passed and attempt.enrollment_id is not None:
        await learning.mark_final_exam_passed(session, enrollment_id=attempt.enrollment_id)
    return attempt


def resource_url(storage: Storage, resource: ExamResource, asset: FileAsset | None) -> str | None:
    """A resource's link, or a signed download URL of its file (None if the file is gone)."""
    if resource.file_asset_id is None:
        return resource.url
    return attached_url(storage, asset)
