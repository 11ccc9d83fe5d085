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
- Grading: score 0..total_marks, passed at `passing_marks`; `requireRevision` sends it back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.assessments.coursework import (
    MB,
    attach_files,
    course_of,
    is_teacher,
    require_teacher,
)
from app.assessments.models import (
    Exam,
    ExamResource,
    ExamSubmission,
    ExamSubmissionFile,
    ExamSubmissionStatus,
)
from app.clock import utcnow
from app.errors import Conflict, FieldError, Invalid, NotFound, collect
from app.ids import new_id
from app.integrations.storage import Storage
from app.learning import service as learning
from app.learning.models import Enrollment
from app.media import service as media
from app.media.models import FileAsset, FilePurpose, FileStatus
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.security.permissions import Actor

EXAM_FILE_MAX_MB = 50
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
    if not str(values["title"]).strip():
        errors.append(FieldError("title", "A title is required", "REQUIRED"))
    if not 0 < values["duration_minutes"] <= 24 * 60:
        errors.append(FieldError("durationMinutes", "Between 1 and 1440 minutes", "INVALID"))
    if values["total_marks"] <= 0:
        errors.append(FieldError("totalMarks", "Must be positive", "INVALID"))
    elif not 0 <= values["passing_marks"] <= values["total_marks"]:
        errors.append(FieldError("passingMarks", "Between 0 and totalMarks", "INVALID"))
    if values["attempts_limit"] < 0:
        errors.append(FieldError("attemptsLimit", "0 (no cap) or more", "INVALID"))
    start, end = values["available_from"], values["available_until"]
    if start is not None and end is not None and end <= start:
        errors.append(FieldError("availableUntil", "Must be after availableFrom", "INVALID"))
    collect(errors)
    values["title"] = values["title"].strip()
    return values


async def _final_taken(session: AsyncSession, course_id: uuid.UUID, exam_id: Any) -> bool:
    found = await session.scalar(
        select(Exam.id).where(Exam.course_id == course_id, Exam.is_final, Exam.id != exam_id)
    )
    return found is not None


async def _save(session: AsyncSession, exam: Exam) -> Exam:
    if exam.is_final and await _final_taken(session, exam.course_id, exam.id):
        raise Conflict("isFinal", "The course already has a final exam", "FINAL_EXAM_EXISTS")
    try:
        async with session.begin_nested():
            session.add(exam)
            await session.flush()
    except IntegrityError as exc:  # a concurrent final exam won
        raise Conflict(
            "isFinal", "The course already has a final exam", "FINAL_EXAM_EXISTS"
        ) from exc
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
    course = await course_of(session, course_id)
    await require_teacher(session, actor, course.id)
    values = _check({name: value for name, value in locals().items() if name in SETTINGS})
    return await _save(session, Exam(id=new_id(), course_id=course.id, **values))


async def update_exam(
    session: AsyncSession, *, actor: Actor, exam_id: uuid.UUID, **changes: Any
) -> Exam:
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown exam settings: {sorted(unknown)}")
    exam = await session.get(Exam, exam_id, with_for_update=True)
    if exam is None:
        raise NotFound("Exam")
    await require_teacher(session, actor, exam.course_id)
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
    file_asset_id: uuid.UUID | None = None,
) -> ExamResource:
    """A link (`url`, http(s)) or a file the teacher uploaded (`file_asset_id`), exactly one."""
    exam = await session.get(Exam, exam_id)
    if exam is None:
        raise NotFound("Exam")
    await require_teacher(session, actor, exam.course_id)
    if not file_name.strip():
        raise Invalid("fileName", "A name is required", "REQUIRED")
    if (url is None) == (file_asset_id is None):
        raise Invalid("url", "Give either a url or a file", "INVALID")
    content_type = None
    if url is not None and not url.startswith(("https://", "http://")):
        raise Invalid("url", "Must be an http(s) URL", "INVALID")
    if file_asset_id is not None:
        asset = await session.get(FileAsset, file_asset_id)
        if (
            asset is None
            or asset.owner_id != actor.id
            or asset.purpose != FilePurpose.EXAM_RESOURCE
            or asset.status
            not in (
                FileStatus.UPLOADED,
                FileStatus.READY,
            )
        ):
            raise Invalid("fileAssetId", "Unknown or unfinished upload", "FILE_NOT_FOUND")
        content_type = asset.content_type
    resource = ExamResource(
        exam_id=exam.id,
        file_name=file_name.strip(),
        description=description,
        url=url,
        file_asset_id=file_asset_id,
        content_type=content_type,
    )
    session.add(resource)
    await session.flush()
    return resource


# --- reading -------------------------------------------------------------------------------------


async def get_exam(session: AsyncSession, *, user: Actor, exam_id: uuid.UUID) -> Exam:
    """For the course's teachers and admins, and for students enrolled in the course."""
    exam = await session.get(Exam, exam_id)
    if exam is None:
        raise NotFound("Exam")
    if not await is_teacher(session, user, exam.course_id):
        enrollment = await learning.get_active_enrollment(
            session, student_id=user.id, course_id=exam.course_id
        )
        if enrollment is None:
            raise NotFound("Exam")
    return exam


async def resources_of(session: AsyncSession, exam_id: uuid.UUID) -> list[ExamResource]:
    rows = await session.scalars(
        select(ExamResource).where(ExamResource.exam_id == exam_id).order_by(ExamResource.id)
    )
    return list(rows)


async def my_exam_submissions(
    session: AsyncSession, *, student_id: uuid.UUID, exam_id: uuid.UUID
) -> list[ExamSubmission]:
    rows = await session.scalars(
        select(ExamSubmission)
        .where(ExamSubmission.exam_id == exam_id, ExamSubmission.user_id == student_id)
        .order_by(ExamSubmission.attempt_number)
    )
    return list(rows)


# --- taking --------------------------------------------------------------------------------------


def _open_now(exam: Exam, now: datetime) -> None:
    if exam.available_from is not None and now < exam.available_from:
        raise Invalid(None, "The exam has not opened yet", "EXAM_NOT_AVAILABLE")
    if exam.available_until is not None and now >= exam.available_until:
        raise Invalid(None, "The exam has closed", "EXAM_NOT_AVAILABLE")


async def start_exam(
    session: AsyncSession, *, student_id: uuid.UUID, exam_id: uuid.UUID
) -> ExamSubmission:
    exam = await session.get(Exam, exam_id)
    if exam is None:
        raise NotFound("Exam")
    enrollment = await learning.require_enrollment(
        session, student_id=student_id, course_id=exam.course_id
    )
    # Serialise this student's starts in this course: counting and inserting happen under it.
    await session.get(Enrollment, enrollment.id, with_for_update=True, populate_existing=True)
    now = utcnow()
    mine = await my_exam_submissions(session, student_id=student_id, exam_id=exam.id)
    for attempt in mine:
        if attempt.status == ExamSubmissionStatus.IN_PROGRESS:
            if now <= attempt.deadline_at:
                return attempt
            attempt.status = ExamSubmissionStatus.SUBMITTED  # closed at its deadline
            attempt.submitted_at = attempt.deadline_at
    _open_now(exam, now)
    counted = [a for a in mine if a.status != ExamSubmissionStatus.REVISION_REQUIRED]
    if exam.attempts_limit and len(counted) >= exam.attempts_limit:
        raise Invalid(None, "No attempts left for this exam", "ATTEMPTS_EXHAUSTED")
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
    return attempt


async def submit_exam(
    session: AsyncSession,
    storage: Storage,
    *,
    student_id: uuid.UUID,
    submission_id: uuid.UUID,
    notes: str | None = None,
    file_asset_ids: Sequence[uuid.UUID] = (),
) -> ExamSubmission:
    attempt = await session.get(ExamSubmission, submission_id, with_for_update=True)
    if attempt is None or attempt.user_id != student_id:
        raise NotFound("Exam submission")
    if attempt.status != ExamSubmissionStatus.IN_PROGRESS:
        raise Conflict(None, "This attempt was already submitted", "ALREADY_SUBMITTED")
    now = utcnow()
    if now > attempt.deadline_at:
        raise Invalid(None, "The time for this exam is over", "EXAM_TIME_OVER")
    assets = await attach_files(
        session,
        storage,
        owner_id=student_id,
        file_asset_ids=file_asset_ids,
        purpose=FilePurpose.EXAM_SUBMISSION,
        allowed_types=None,
        max_size=EXAM_FILE_MAX_MB * MB,
    )
    attempt.status = ExamSubmissionStatus.SUBMITTED
    attempt.submitted_at = now
    attempt.notes = (notes or "").strip() or None
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
    attempt = await session.get(ExamSubmission, submission_id, with_for_update=True)
    if attempt is None:
        raise NotFound("Exam submission")
    exam = await session.get(Exam, attempt.exam_id)
    assert exam is not None  # CASCADE
    await require_teacher(session, actor, exam.course_id)
    if attempt.status == ExamSubmissionStatus.IN_PROGRESS:
        raise Conflict(None, "The attempt has not been submitted", "NOT_SUBMITTED")
    if not 0 <= score <= exam.total_marks:
        raise Invalid("score", f"Between 0 and {exam.total_marks}", "INVALID")
    if require_revision and not (feedback or "").strip():
        raise Invalid("feedback", "Tell the student what to revise", "REQUIRED")
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


async def get_exam_submission(
    session: AsyncSession, *, user: Actor, submission_id: uuid.UUID
) -> ExamSubmission:
    """For its student and for the course's teachers and admins."""
    attempt = await session.get(ExamSubmission, submission_id)
    if attempt is None:
        raise NotFound("Exam submission")
    if attempt.user_id != user.id:
        exam = await session.get(Exam, attempt.exam_id)
        if exam is None or not await is_teacher(session, user, exam.course_id):
            raise NotFound("Exam submission")
    return attempt


RESOURCE_URL_TTL_SECONDS = 60 * 60


async def resource_urls(
    session: AsyncSession, storage: Storage, resources: Sequence[ExamResource]
) -> list[str | None]:
    """Each resource's link, or a signed download URL of its file (one statement)."""
    ids = [r.file_asset_id for r in resources if r.file_asset_id is not None]
    assets: dict[uuid.UUID, FileAsset] = {}
    if ids:
        rows = await session.scalars(select(FileAsset).where(FileAsset.id.in_(ids)))
        assets = {a.id: a for a in rows}
    urls: list[str | None] = []
    for resource in resources:
        asset = assets.get(resource.file_asset_id) if resource.file_asset_id else None
        if asset is not None:
            urls.append(
                media.file_download_url(storage, asset, expires_in=RESOURCE_URL_TTL_SECONDS)
            )
        else:
            urls.append(resource.url)
    return urls
