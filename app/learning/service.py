"""Enrollment: joining a course (free now, paid through commerce later), seats, withdrawal.

Rules:
- One enrollment per (student, course). Enrolling locks the course row, so two concurrent enrolls
  of one student (Property 22) or of many students into the last seat are serialised: the second
  sees the first's row and gets ALREADY_ENROLLED / COURSE_FULL. The unique constraint backs it up.
- A seat is an ACTIVE or COMPLETED enrollment; `courses.enrollment_limit` caps seats and
  `courses.enrollment_count` is re-derived from them on every enroll and withdrawal.
- Withdrawing sets DROPPED (progress is kept). Enrolling again into the course reactivates the same
  row (status ACTIVE, withdrawal cleared, original `enrolled_at` and progress kept), subject to the
  limit again; so does a new purchase of a REFUNDED enrollment. A REVOKED enrollment is reopened
  only by an admin-sourced enrollment.
- Every lesson gets a not_started progress row at enrollment (Property 23); lessons added later get
  theirs lazily, on first progress write (reads show them as not started meanwhile).

Progress and completion live in `app.learning.progress`; its shared functions are re-exported here.
The reads of the API are here too (`list_enrollments`); the GraphQL types read the rest through
their loaders.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import webhooks
from app.analytics import EntityType, EventType, record_event
from app.catalog.models import Course, CourseStatus, PricingTier
from app.clock import utcnow
from app.commerce.models import Subscription, SubscriptionStatus
from app.errors import Common, Conflict, Forbidden, Invalid, NotFound
from app.learning import repo
from app.learning.errors import LearningCode
from app.learning.models import Enrollment, EnrollmentSource, EnrollmentStatus
from app.learning.progress import (
    certificates_issued,
    complete_lesson,
    mark_final_exam_passed,
    recheck_completions,
    record_assessment_result,
    require_lesson_access,
    update_lesson_progress,
)
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.pagination import Page, PageRequest

__all__ = [
    "certificates_issued",
    "close_subscription_enrollments",
    "complete_lesson",
    "enroll_in_free_course",
    "enroll_student",
    "get_active_enrollment",
    "is_teacher_of",
    "list_enrollments",
    "mark_final_exam_passed",
    "recheck_completions",
    "record_assessment_result",
    "require_enrollment",
    "require_lesson_access",
    "subscription_access",
    "update_lesson_progress",
    "withdraw_enrollment",
]

REOPENABLE = (EnrollmentStatus.DROPPED, EnrollmentStatus.REFUNDED)
MAX_REASON_LENGTH = 1000


async def enroll_student(
    session: AsyncSession,
    *,
    student_id: uuid.UUID,
    course_id: uuid.UUID,
    source: EnrollmentSource,
    pricing_tier: PricingTier | None = None,
    order_id: uuid.UUID | None = None,
    subscription_id: uuid.UUID | None = None,
) -> Enrollment:
    """Enroll a student into a published course (any price: callers check how it was paid).

    Raises NotFound (no such course), Invalid COURSE_NOT_PUBLISHED, Conflict ALREADY_ENROLLED,
    Conflict COURSE_FULL, Forbidden (access revoked). Notifies the student.
    """
    course = await repo.lock_course(session, course_id)
    if course is None:
        raise NotFound("Course")
    if course.status != CourseStatus.PUBLISHED and source != EnrollmentSource.ADMIN:
        raise Invalid(
            "course_id",
            "This course is not open for enrollment",
            LearningCode.COURSE_NOT_PUBLISHED,
        )
    existing = await repo.find_enrollment(session, student_id, course_id)
    if existing is not None:
        _check_reopenable(existing, source)
    await _check_seat(session, course)
    enrollment = _reopen(existing) if existing is not None else _new(student_id, course_id)
    enrollment.source = source
    enrollment.pricing_tier = pricing_tier or PricingTier.BASIC
    enrollment.order_id = order_id
    enrollment.subscription_id = subscription_id
    session.add(enrollment)
    await session.flush()
    await repo.create_progress_rows(session, enrollment.id, course_id)
    await repo.set_enrollment_count(session, course_id)
    await _notify_enrolled(session, enrollment, course)
    await webhooks.enrollment_created(session, enrollment_id=enrollment.id, course_id=course_id)
    record_event(
        EventType.ENROLLMENT_CREATED,
        user_id=student_id,
        course_id=course_id,
        entity_type=EntityType.ENROLLMENT,
        entity_id=enrollment.id,
        properties={"source": str(source)},
        session=session,
    )
    return enrollment


def _check_reopenable(existing: Enrollment, source: EnrollmentSource) -> None:
    if existing.status in repo.SEAT_STATUSES:
        raise Conflict(
            "course_id", "You are already enrolled in this course", LearningCode.ALREADY_ENROLLED
        )
    if existing.status == EnrollmentStatus.REVOKED and source != EnrollmentSource.ADMIN:
        raise Forbidden("Your access to this course was revoked")


async def _check_seat(session: AsyncSession, course: Course) -> None:
    limit = course.enrollment_limit
    if limit is not None and await repo.count_seats(session, course.id) >= limit:
        raise Conflict("course_id", "This course is full", LearningCode.COURSE_FULL)


def _new(student_id: uuid.UUID, course_id: uuid.UUID) -> Enrollment:
    return Enrollment(student_id=student_id, course_id=course_id, status=EnrollmentStatus.ACTIVE)


def _reopen(enrollment: Enrollment) -> Enrollment:
    enrollment.status = EnrollmentStatus.ACTIVE
    enrollment.withdrawn_at = None
    enrollment.withdrawal_reason = None
    return enrollment


async def _notify_enrolled(session: AsyncSession, enrollment: Enrollment, course: Course) -> None:
    await notify(
        session,
        recipient_id=enrollment.student_id,
        type=NotificationType.ENROLLMENT_CONFIRMED,
        title=f"You are enrolled in {course.title}",
        body=f"Welcome to {course.title}. Start with the first lesson whenever you are ready.",
        category=NotificationCategory.COURSE,
        metadata={"course_id": str(course.id), "enrollment_id": str(enrollment.id)},
    )


async def enroll_in_free_course(
    session: AsyncSession, *, student_id: uuid.UUID, course_id: uuid.UUID
) -> Enrollment:
    """A student joins a free published course, or a paid one with an active subscription
    (source SUBSCRIPTION); otherwise paid courses are bought (COURSE_NOT_FREE)."""
    course = await repo.get_course(session, course_id)
    if course is None or course.status != CourseStatus.PUBLISHED:
        raise NotFound("Course")
    if not course.is_free:
        subscription_id = await subscription_access(session, student_id=student_id)
        if subscription_id is None:
            raise Invalid(
                "course_id", "This course is paid: buy it to enroll", LearningCode.COURSE_NOT_FREE
            )
        return await enroll_student(
            session,
            student_id=student_id,
            course_id=course_id,
            source=EnrollmentSource.SUBSCRIPTION,
            subscription_id=subscription_id,
        )
    return await enroll_student(
        session, student_id=student_id, course_id=course_id, source=EnrollmentSource.FREE
    )


async def subscription_access(session: AsyncSession, *, student_id: uuid.UUID) -> uuid.UUID | None:
    """The student's ACTIVE or TRIALING subscription (it opens every published paid course)."""
    return await session.scalar(
        select(Subscription.id)
        .where(
            Subscription.user_id == student_id,
            Subscription.status.in_((SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING)),
        )
        .order_by(Subscription.created_at.desc())
        .limit(1)
    )


async def withdraw_enrollment(
    session: AsyncSession,
    *,
    student_id: uuid.UUID,
    enrollment_id: uuid.UUID,
    reason: str | None = None,
) -> Enrollment:
    """The student leaves an ACTIVE enrollment (DROPPED; progress kept, the seat freed)."""
    enrollment = await repo.lock_enrollment(session, enrollment_id)
    if enrollment is None or enrollment.student_id != student_id:
        raise NotFound("Enrollment")
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise Invalid(
            "enrollment_id", "Only an active enrollment can be withdrawn", LearningCode.NOT_ACTIVE
        )
    text = (reason or "").strip()
    if len(text) > MAX_REASON_LENGTH:
        raise Invalid(
            "reason", f"Keep the reason under {MAX_REASON_LENGTH} characters", Common.TOO_LONG
        )
    await repo.lock_course(session, enrollment.course_id)
    enrollment.status = EnrollmentStatus.DROPPED
    enrollment.withdrawn_at = utcnow()
    enrollment.withdrawal_reason = text or None
    await session.flush()
    await repo.set_enrollment_count(session, enrollment.course_id)
    return enrollment


async def get_active_enrollment(
    session: AsyncSession, *, student_id: uuid.UUID, course_id: uuid.UUID
) -> Enrollment | None:
    """The student's enrollment that opens the course (ACTIVE or COMPLETED), if any."""
    found = await repo.find_enrollment(session, student_id, course_id)
    return found if found is not None and found.status in repo.SEAT_STATUSES else None


async def require_enrollment(
    session: AsyncSession, *, student_id: uuid.UUID, course_id: uuid.UUID
) -> Enrollment:
    """Like `get_active_enrollment`, raising Forbidden ("enroll first") when there is none."""
    found = await get_active_enrollment(session, student_id=student_id, course_id=course_id)
    if found is None:
        raise Forbidden("Enroll in this course first")
    return found


async def is_teacher_of(session: AsyncSession, *, user_id: uuid.UUID, course_id: uuid.UUID) -> bool:
    """The course's owner or one of its co-instructors / teaching assistants."""
    return await repo.is_course_instructor(session, user_id, course_id)


async def list_enrollments(
    session: AsyncSession,
    *,
    student_id: uuid.UUID,
    status: EnrollmentStatus | None,
    request: PageRequest,
    with_total: bool = False,
) -> Page[Enrollment]:
    """A student's enrollments (of one status, or all), most recently enrolled first."""
    return await repo.list_student_enrollments(
        session, student_id=student_id, status=status, request=request, with_total=with_total
    )


async def close_subscription_enrollments(
    session: AsyncSession, *, subscription_id: uuid.UUID, reason: str
) -> int:
    """Close the seats a subscription opened (DROPPED with `reason`, progress kept: a purchase or
    a new subscription reopens them) and recount each course; the number closed."""
    enrollments = list(
        await session.scalars(
            select(Enrollment)
            .where(
                Enrollment.subscription_id == subscription_id,
                Enrollment.source == EnrollmentSource.SUBSCRIPTION,
                Enrollment.status.in_(repo.SEAT_STATUSES),
            )
            .order_by(Enrollment.course_id)
        )
    )
    for enrollment in enrollments:
        await repo.lock_course(session, enrollment.course_id)
        enrollment.status = EnrollmentStatus.DROPPED
        enrollment.withdrawn_at = utcnow()
        enrollment.withdrawal_reason = reason
        await session.flush()
        await repo.set_enrollment_count(session, enrollment.course_id)
    return len(enrollments)
