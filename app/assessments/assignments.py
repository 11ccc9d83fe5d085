"""Assignments: authoring by the course's teachers, submissions by enrolled students, grading.

Rules (seed Properties 35-37):
- Only the course's teachers (owner or co-instructor, `is_teacher_of`) or admins author and grade.
- Only students actively enrolled in the course, with access to the lesson (prerequisites),
  submit. Files go through the media service: an upload ticket first (declared type and size
  checked), then the submission finalizes each file (the object exists, its size matches and
  is within `max_file_size_mb`, its sniffed type is allowed) — a rejected file fails the whole
  submission and nothing is stored (Property 35).
- `allowed_file_types` holds extensions (`pdf`, `.docx`) and/or exact MIME types
  (`application/pdf`); they are normalised to lower-case extensions without a dot and MIME types,
  and each must be a type assignment uploads accept at all (app.media.rules). An empty list
  allows every such type.
- A submission after `due_at` is late (Property 36): refused with LATE_SUBMISSION_NOT_ALLOWED
  unless `late_submission_allowed`; a late submission loses `late_penalty_percentage` of its
  points at grading. A resubmission the teacher asked for is never refused for being late; it
  keeps the lateness of the submission it revises.
- `request_revision` marks a submission `revision_requested`; the next submission is a new row
  linked through `parent_submission_id` with `revision_number + 1` (Property 37). Otherwise a
  student submits once.
- Grading stores the rubric scores, the points after the penalty, posts a GRADE_POSTED
  notification and records the lesson result; the lesson passes at PASS_PERCENTAGE of the points.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import EntityType, EventType, record_event
from app.assessments import checks, repo
from app.assessments.coursework import (
    MB,
    allowed_mime_types,
    attach_files,
    lesson_of,
    normalise_file_types,
    percentage,
    teacher_course,
)
from app.assessments.errors import AssessmentsCode
from app.assessments.models import (
    Assignment,
    AssignmentSubmission,
    AssignmentSubmissionFile,
    SubmissionStatus,
)
from app.catalog.models import Lesson, LessonType
from app.clock import utcnow
from app.errors import Common, Conflict, FieldError, Invalid, NotFound, collect
from app.integrations.storage import Storage
from app.learning import service as learning
from app.learning.models import Enrollment
from app.media import service as media
from app.media.models import FilePurpose
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.security.permissions import Actor

PASS_PERCENTAGE = Decimal(60)  # an assignment lesson counts as passed from 60 % of the points
MAX_TITLE = 220
MAX_LONG_TEXT = 20000
MAX_CRITERIA = 20
_CENT = Decimal("0.01")


# --- authoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RubricCriterion:
    criterion: str
    points: int
    description: str | None = None


@dataclass(frozen=True)
class RubricScore:
    criterion: str
    points: Decimal


def _rubric(
    errors: list[FieldError], rubric: Sequence[RubricCriterion] | None, max_points: int
) -> list[dict[str, Any]] | None:
    if not rubric:
        return None
    if len(rubric) > MAX_CRITERIA:
        errors.append(FieldError("rubric", f"At most {MAX_CRITERIA} criteria", Common.TOO_MANY))
    stored: list[dict[str, Any]] = []
    for i, item in enumerate(rubric):
        at = f"rubric[{i}]"
        name = checks.text(errors, f"{at}.criterion", item.criterion, max_length=200) or ""
        if name and name in (c["criterion"] for c in stored):
            errors.append(
                FieldError(
                    f"{at}.criterion", "Criteria need distinct names", AssessmentsCode.DUPLICATE
                )
            )
        if item.points <= 0:
            errors.append(FieldError(f"{at}.points", "Must be positive", Common.OUT_OF_RANGE))
        description = checks.text(
            errors, f"{at}.description", item.description, max_length=2000, required=False
        )
        stored.append({"criterion": name, "points": item.points, "description": description})
    if all(c.points > 0 for c in rubric) and sum(c.points for c in rubric) != max_points:
        errors.append(
            FieldError(
                "rubric",
                f"The criteria's points must add up to the maximum points ({max_points})",
                AssessmentsCode.POINTS_MISMATCH,
            )
        )
    return stored


def _stored_rubric(rows: Any) -> list[RubricCriterion] | None:
    if rows is None:
        return None
    return [RubricCriterion(c["criterion"], c["points"], c.get("description")) for c in rows]


def _check_settings(values: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    values["title"] = checks.text(errors, "title", values["title"], max_length=MAX_TITLE)
    values["instructions"] = checks.text(
        errors, "instructions", values["instructions"], max_length=MAX_LONG_TEXT
    )
    values["description"] = checks.text(
        errors, "description", values["description"], max_length=MAX_LONG_TEXT, required=False
    )
    checks.in_range(errors, "late_penalty_percentage", values["late_penalty_percentage"], 0, 100)
    checks.in_range(errors, "max_points", values["max_points"], 1, 10000)
    checks.in_range(errors, "max_file_size_mb", values["max_file_size_mb"], 1, 1024)
    try:
        values["allowed_file_types"] = normalise_file_types(values["allowed_file_types"])
    except Invalid as exc:
        errors.extend(exc.errors)
    values["rubric"] = _rubric(errors, values["rubric"], values["max_points"])
    collect(errors)
    return values


async def create_assignment(
    session: AsyncSession,
    *,
    actor: Actor,
    lesson_id: uuid.UUID,
    title: str,
    instructions: str,
    description: str | None = None,
    due_at: datetime | None = None,
    late_submission_allowed: bool = False,
    late_penalty_percentage: int = 0,
    max_points: int = 100,
    requires_file_upload: bool = True,
    allowed_file_types: Sequence[str] = (),
    max_file_size_mb: int = 10,
    rubric: Sequence[RubricCriterion] | None = None,
) -> Assignment:
    lesson = await lesson_of(session, lesson_id)
    await teacher_course(session, actor, lesson.course_id)
    if lesson.type != LessonType.ASSIGNMENT:
        raise Invalid(
            "lesson_id",
            "Assignments belong to assignment lessons",
            AssessmentsCode.WRONG_LESSON_TYPE,
        )
    values = _check_settings(
        {
            "title": title,
            "instructions": instructions,
            "description": description,
            "due_at": due_at,
            "late_submission_allowed": late_submission_allowed,
            "late_penalty_percentage": late_penalty_percentage,
            "max_points": max_points,
            "requires_file_upload": requires_file_upload,
            "allowed_file_types": list(allowed_file_types),
            "max_file_size_mb": max_file_size_mb,
            "rubric": rubric,
        }
    )
    assignment = Assignment(lesson_id=lesson.id, **values)
    session.add(assignment)
    await session.flush()
    return assignment


SETTINGS = (
    "title",
    "instructions",
    "description",
    "due_at",
    "late_submission_allowed",
    "late_penalty_percentage",
    "max_points",
    "requires_file_upload",
    "allowed_file_types",
    "max_file_size_mb",
    "rubric",
)


async def update_assignment(
    session: AsyncSession, *, actor: Actor, assignment_id: uuid.UUID, **changes: Any
) -> Assignment:
    """Only the given settings change (`description`, `due_at`, `rubric` may be set to None)."""
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown assignment settings: {sorted(unknown)}")
    assignment = await repo.lock_assignment(session, assignment_id)
    if assignment is None:
        raise NotFound("Assignment")
    lesson = await lesson_of(session, assignment.lesson_id, "Assignment")
    await teacher_course(session, actor, lesson.course_id)
    current = {name: getattr(assignment, name) for name in SETTINGS}
    current["rubric"] = _stored_rubric(current["rubric"])
    values = _check_settings({**current, **changes})
    for name, value in values.items():
        setattr(assignment, name, value)
    await session.flush()
    return assignment


# --- submitting ----------------------------------------------------------------------------------


async def _for_student(
    session: AsyncSession, *, student_id: uuid.UUID, assignment_id: uuid.UUID
) -> tuple[Assignment, Enrollment]:
    """The assignment and the student's enrollment, once enrollment and access hold."""
    assignment = (await repo.assignments_by_ids(session, [assignment_id]))[0]
    if assignment is None:
        raise NotFound("Assignment")
    lesson = await lesson_of(session, assignment.lesson_id, "Assignment")
    enrollment = await learning.require_enrollment(
        session, student_id=student_id, course_id=lesson.course_id
    )
    await learning.require_lesson_access(session, enrollment=enrollment, lesson_id=lesson.id)
    return assignment, enrollment


async def request_assignment_upload(
    session: AsyncSession,
    storage: Storage,
    *,
    student_id: uuid.UUID,
    assignment_id: uuid.UUID,
    file_name: str,
    content_type: str,
    size: int,
) -> media.UploadTicket:
    assignment, _ = await _for_student(session, student_id=student_id, assignment_id=assignment_id)
    return await media.request_upload(
        session,
        storage,
        owner_id=student_id,
        purpose=FilePurpose.ASSIGNMENT_SUBMISSION,
        file_name=file_name,
        content_type=content_type,
        size=size,
        allowed_types=allowed_mime_types(assignment.allowed_file_types),
        max_size=assignment.max_file_size_mb * MB,
    )


def _lateness(assignment: Assignment, parent: AssignmentSubmission | None, now: datetime) -> bool:
    if parent is not None:  # a revision the teacher asked for
        return parent.is_late
    late = assignment.due_at is not None and now > assignment.due_at
    if late and not assignment.late_submission_allowed:
        raise Invalid(
            None,
            "The due date has passed; late submissions are not accepted",
            AssessmentsCode.LATE_SUBMISSION_NOT_ALLOWED,
        )
    return late


def _already_submitted() -> Conflict:
    return Conflict(
        None, "You have already submitted this assignment", AssessmentsCode.ALREADY_SUBMITTED
    )


async def submit_assignment(
    session: AsyncSession,
    storage: Storage,
    *,
    student_id: uuid.UUID,
    assignment_id: uuid.UUID,
    text: str | None = None,
    file_ids: Sequence[uuid.UUID] = (),
) -> AssignmentSubmission:
    assignment, enrollment = await _for_student(
        session, student_id=student_id, assignment_id=assignment_id
    )
    text = (text or "").strip() or None
    if text is not None and len(text) > MAX_LONG_TEXT:
        raise Invalid("text", f"At most {MAX_LONG_TEXT} characters", Common.TOO_LONG)
    if assignment.requires_file_upload and not file_ids:
        raise Invalid("file_ids", "This assignment needs a file", Common.REQUIRED)
    if text is None and not file_ids:
        raise Invalid("text", "Write an answer or attach a file", Common.REQUIRED)
    latest = await repo.lock_latest_submission(session, assignment.id, student_id)
    if latest is not None and latest.grading_status != SubmissionStatus.REVISION_REQUESTED:
        raise _already_submitted()
    now = utcnow()
    is_late = _lateness(assignment, latest, now)
    assets = await attach_files(
        session,
        storage,
        owner_id=student_id,
        file_ids=file_ids,
        purpose=FilePurpose.ASSIGNMENT_SUBMISSION,
        allowed_types=allowed_mime_types(assignment.allowed_file_types),
        max_size=assignment.max_file_size_mb * MB,
    )
    submission = AssignmentSubmission(
        assignment_id=assignment.id,
        student_id=student_id,
        enrollment_id=enrollment.id,
        text=text,
        submitted_at=now,
        is_late=is_late,
        revision_number=1 if latest is None else latest.revision_number + 1,
        parent_submission_id=None if latest is None else latest.id,
    )
    try:
        async with session.begin_nested():
            session.add(submission)
            await session.flush()
    except IntegrityError as exc:  # a concurrent first submission won
        raise _already_submitted() from exc
    session.add_all(
        AssignmentSubmissionFile(
            submission_id=submission.id,
            file_asset_id=a.id,
            file_name=a.file_name,
            content_type=a.content_type,
            size_bytes=a.size_bytes,
        )
        for a in assets
    )
    await session.flush()
    record_event(
        EventType.ASSIGNMENT_SUBMITTED,
        user_id=student_id,
        course_id=enrollment.course_id,
        entity_type=EntityType.ASSIGNMENT,
        entity_id=assignment.id,
        properties={
            "submission_id": str(submission.id),
            "revision": submission.revision_number,
            "late": is_late,
        },
        occurred_at=now,
        session=session,
    )
    return submission


# --- grading -------------------------------------------------------------------------------------


async def _for_grader(
    session: AsyncSession, actor: Actor, submission_id: uuid.UUID
) -> tuple[AssignmentSubmission, Assignment, Lesson]:
    submission = await repo.lock_submission(session, submission_id)
    if submission is None:
        raise NotFound("Submission")
    assignment = (await repo.assignments_by_ids(session, [submission.assignment_id]))[0]
    assert assignment is not None  # CASCADE keeps submissions beneath their assignment
    lesson = await lesson_of(session, assignment.lesson_id, "Submission")
    await teacher_course(session, actor, lesson.course_id, grading=True)
    if submission.grading_status == SubmissionStatus.REVISION_REQUESTED:
        raise Conflict(
            None,
            "A revision was requested for this submission",
            AssessmentsCode.REVISION_REQUESTED,
        )
    return submission, assignment, lesson


def _rubric_points(
    assignment: Assignment, scores: Sequence[RubricScore]
) -> tuple[list[dict[str, str]], Decimal]:
    criteria = {c["criterion"]: c["points"] for c in assignment.rubric or []}
    errors: list[FieldError] = []
    stored: list[dict[str, str]] = []
    for i, score in enumerate(scores):
        at = f"rubric_scores[{i}]"
        name, points = score.criterion.strip(), Decimal(score.points)
        if name not in criteria:
            errors.append(
                FieldError(
                    f"{at}.criterion",
                    "No criterion of this name",
                    AssessmentsCode.UNKNOWN_CRITERION,
                )
            )
        elif name in (s["criterion"] for s in stored):
            errors.append(FieldError(f"{at}.criterion", "Scored twice", AssessmentsCode.DUPLICATE))
        elif not 0 <= points <= criteria[name]:
            errors.append(
                FieldError(f"{at}.points", f"Between 0 and {criteria[name]}", Common.OUT_OF_RANGE)
            )
        stored.append({"criterion": name, "points": str(points)})
    collect(errors)
    return stored, sum((Decimal(s["points"]) for s in stored), Decimal(0))


async def grade_assignment(
    session: AsyncSession,
    *,
    actor: Actor,
    submission_id: uuid.UUID,
    points_awarded: Decimal | None = None,
    rubric_scores: Sequence[RubricScore] = (),
    feedback: str | None = None,
) -> AssignmentSubmission:
    """`points_awarded` (before the late penalty) defaults to the rubric scores' sum."""
    submission, assignment, lesson = await _for_grader(session, actor, submission_id)
    stored, rubric_total = _rubric_points(assignment, rubric_scores)
    raw = points_awarded if points_awarded is not None else (rubric_total if stored else None)
    if raw is None:
        raise Invalid("points_awarded", "Give points or rubric scores", Common.REQUIRED)
    raw = Decimal(raw)
    if not 0 <= raw <= assignment.max_points:
        raise Invalid(
            "points_awarded", f"Between 0 and {assignment.max_points}", Common.OUT_OF_RANGE
        )
    errors: list[FieldError] = []
    feedback = checks.text(errors, "feedback", feedback, max_length=MAX_LONG_TEXT, required=False)
    collect(errors)
    penalty = Decimal(0)
    if submission.is_late:
        penalty = (raw * assignment.late_penalty_percentage / 100).quantize(_CENT, ROUND_HALF_UP)
    submission.rubric_scores = stored or None
    submission.late_penalty_points = penalty
    submission.points_awarded = raw - penalty
    submission.feedback = feedback
    submission.grading_status = SubmissionStatus.GRADED
    submission.graded_at = utcnow()
    submission.graded_by_id = actor.id
    score = percentage(raw - penalty, assignment.max_points)
    await notify(
        session,
        recipient_id=submission.student_id,
        type=NotificationType.GRADE_POSTED,
        title=f"Graded: {assignment.title}",
        body=f"You scored {submission.points_awarded} of {assignment.max_points} points.",
        category=NotificationCategory.COURSE,
        metadata={"assignment_id": str(assignment.id), "submission_id": str(submission.id)},
    )
    await learning.record_assessment_result(
        session,
        enrollment_id=submission.enrollment_id,
        lesson_id=lesson.id,
        score_percentage=score,
        passed=score >= PASS_PERCENTAGE,
    )
    await session.flush()
    return submission


async def request_revision(
    session: AsyncSession, *, actor: Actor, submission_id: uuid.UUID, feedback: str
) -> AssignmentSubmission:
    submission, assignment, _ = await _for_grader(session, actor, submission_id)
    errors: list[FieldError] = []
    cleaned = checks.text(errors, "feedback", feedback, max_length=MAX_LONG_TEXT)
    collect(errors)
    submission.grading_status = SubmissionStatus.REVISION_REQUESTED
    submission.feedback = cleaned
    submission.graded_at = utcnow()
    submission.graded_by_id = actor.id
    await notify(
        session,
        recipient_id=submission.student_id,
        type=NotificationType.GRADE_POSTED,
        title=f"Revision requested: {assignment.title}",
        body=cleaned or "",
        category=NotificationCategory.COURSE,
        metadata={"assignment_id": str(assignment.id), "submission_id": str(submission.id)},
    )
    await session.flush()
    return submission
