"""Course reviews: students rate the courses they learn in, teachers reply, users report, admins
hide (see docs/api.md, "Reviews and ratings").

- Who reviews: a student whose enrollment opens the course (active or completed). A student who
  withdrew or was refunded may no longer write one; a review written before stays (it reflects
  time spent in the course), editable and deletable by its author.
- Post-moderation: a review is visible (`approved`) as soon as it is written; an admin hides it
  (`hidden`, with a note) and may show it again. Hidden reviews count nowhere and are NOT_FOUND
  to everyone but their author and moderators.
- One per student and course: the unique (user, course) row decides, so two submissions racing
  give one review and ALREADY_REVIEWED.
- Every write locks the course row first (SELECT … FOR UPDATE), then recomputes
  `courses.average_rating` / `review_count` from the visible reviews in the same transaction and
  emits COURSE_CHANGED (re-index, catalog cache) through the catalog: never an increment, so the
  columns equal a fresh aggregate under any interleaving.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app import catalog
from app.admin.models import ContentReport
from app.admin.moderation import ReportReason, file_report
from app.catalog import ratings
from app.catalog.models import Course, CourseStatus
from app.clock import utcnow
from app.cms import review_rules as rules
from app.cms.models import CourseReview, ReviewStatus
from app.cms.repo import reviews as repo
from app.cms.repo.reviews import RatingSummary, ReviewPageKey, ReviewSort
from app.cms.review_errors import ReviewsCode
from app.cms.review_rules import KEEP, Keep
from app.db import save
from app.errors import Common, Conflict, Forbidden, Invalid, NotFound
from app.learning import service as learning
from app.security.permissions import Actor, Permission, has_permission, require_permission

REPORT_TARGET = "course_review"
REVIEWABLE = (CourseStatus.PUBLISHED, CourseStatus.ARCHIVED)

__all__ = [
    "REPORT_TARGET",
    "RatingSummary",
    "ReviewPageKey",
    "ReviewSort",
    "delete_review",
    "hide_review",
    "may_see",
    "remove_review_reply",
    "reply_to_review",
    "report_review",
    "review_course",
    "unhide_review",
    "update_review",
]


def may_see(viewer: Actor | None, review: CourseReview) -> bool:
    """A visible review (of a course the viewer may see: checked by the caller); a hidden one
    only for its author and moderators."""
    if review.status == ReviewStatus.APPROVED:
        return True
    return viewer is not None and (review.user_id == viewer.id or moderates(viewer))


def moderates(actor: Actor | None) -> bool:
    return has_permission(actor, Permission.MODERATION_MANAGE)


async def _locked_course(session: AsyncSession, course_id: uuid.UUID) -> Course:
    course = await ratings.lock_course(session, course_id)
    if course is None or course.status not in REVIEWABLE:
        raise NotFound("Course")
    return course


async def _refresh_rating(session: AsyncSession, course_id: uuid.UUID) -> None:
    """The course's rating columns from its visible reviews (course row already locked)."""
    average, count = await repo.visible_rating(session, course_id)
    await ratings.set_course_rating(session, course_id=course_id, average=average, count=count)


async def _review(session: AsyncSession, review_id: uuid.UUID) -> tuple[CourseReview, Course]:
    """The review and its locked course (course first, then the review: one lock order)."""
    found = await repo.get_review(session, review_id)
    if found is None:
        raise NotFound("Review")
    course = await _locked_course(session, found.course_id)
    review = await repo.get_review(session, review_id, for_update=True)
    if review is None:
        raise NotFound("Review")
    return review, course


async def review_course(
    session: AsyncSession,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    rating: int,
    title: str | None = None,
    body: str | None = None,
) -> CourseReview:
    """The student's review, visible at once (see the module for who may write one)."""
    text = rules.review_text(rating, title, body)
    course = await _locked_course(session, course_id)
    if course.instructor_id == actor.id or await learning.is_teacher_of(
        session, user_id=actor.id, course_id=course_id
    ):
        raise Invalid(
            "course_id",
            ReviewsCode.CANNOT_REVIEW_OWN_COURSE.description,
            ReviewsCode.CANNOT_REVIEW_OWN_COURSE,
        )
    if (
        await learning.get_active_enrollment(session, student_id=actor.id, course_id=course_id)
        is None
    ):
        raise Invalid(
            "course_id",
            ReviewsCode.NOT_ENROLLED_TO_REVIEW.description,
            ReviewsCode.NOT_ENROLLED_TO_REVIEW,
        )
    now = utcnow()
    review = await repo.insert_review(
        session,
        {
            "user_id": actor.id,
            "course_id": course_id,
            "rating": rating,
            "title": text.title,
            "body": text.body,
            "status": ReviewStatus.APPROVED,
            "created_at": now,
            "updated_at": now,
        },
    )
    if review is None:
        raise Conflict(
            "course_id", ReviewsCode.ALREADY_REVIEWED.description, ReviewsCode.ALREADY_REVIEWED
        )
    await _refresh_rating(session, course_id)
    return review


async def update_review(
    session: AsyncSession,
    *,
    actor: Actor,
    review_id: uuid.UUID,
    rating: int | None = None,
    title: str | Keep | None = KEEP,
    body: str | Keep | None = KEEP,
) -> CourseReview:
    """The author changes what they give (a rating of None and KEEP keep a field; a None or
    empty title or body clears it). A hidden review stays hidden."""
    review, course = await _review(session, review_id)
    if review.user_id != actor.id:
        raise NotFound("Review")
    text = rules.review_text(
        review.rating if rating is None else rating,
        review.title if isinstance(title, Keep) else title,
        review.body if isinstance(body, Keep) else body,
    )
    review.rating = review.rating if rating is None else rating
    review.title, review.body = text.title, text.body
    review.updated_at = utcnow()
    await session.flush()
    await _refresh_rating(session, course.id)
    return review


async def delete_review(session: AsyncSession, *, actor: Actor, review_id: uuid.UUID) -> uuid.UUID:
    """By its author, or a moderator (admins); the deleted review's id."""
    review, course = await _review(session, review_id)
    if review.user_id != actor.id and not moderates(actor):
        raise NotFound("Review")
    await repo.delete_review(session, review.id)
    await _refresh_rating(session, course.id)
    return review.id


# --- replies --------------------------------------------------------------------------------------


async def _teacher_review(
    session: AsyncSession, actor: Actor, review_id: uuid.UUID
) -> CourseReview:
    review, course = await _review(session, review_id)
    if review.status != ReviewStatus.APPROVED:
        raise NotFound("Review")
    teaches = course.instructor_id == actor.id or await learning.is_teacher_of(
        session, user_id=actor.id, course_id=course.id
    )
    if not teaches:
        raise Forbidden("Only the course's instructors reply to its reviews")
    return review


async def reply_to_review(
    session: AsyncSession, *, actor: Actor, review_id: uuid.UUID, body: str
) -> CourseReview:
    """The course's owner or a co-instructor writes (or rewrites) the review's one reply."""
    text = rules.reply_text(body)
    review = await _teacher_review(session, actor, review_id)
    now = utcnow()
    if review.reply_body is None:
        review.replied_at, review.reply_updated_at = now, None
    else:
        review.reply_updated_at = now
    review.reply_body, review.reply_author_id = text, actor.id
    await save(session, review)
    await _refresh_rating(session, review.course_id)
    return review


async def remove_review_reply(
    session: AsyncSession, *, actor: Actor, review_id: uuid.UUID
) -> CourseReview:
    review = await _teacher_review(session, actor, review_id)
    if review.reply_body is None:
        raise Invalid("review_id", "The review has no reply.", Common.CONFLICT)
    review.reply_body = review.reply_author_id = None
    review.replied_at = review.reply_updated_at = None
    await save(session, review)
    await _refresh_rating(session, review.course_id)
    return review


# --- reports and moderation -----------------------------------------------------------------------


async def report_review(
    session: AsyncSession,
    *,
    actor: Actor,
    review_id: uuid.UUID,
    reason: ReportReason | str,
    details: str | None = None,
) -> tuple[CourseReview, ContentReport]:
    """A moderation report of a visible review (ALREADY_REPORTED the second time)."""
    review = await repo.get_review(session, review_id)
    course = None if review is None else await catalog.get_course(session, review.course_id)
    if review is None or review.status != ReviewStatus.APPROVED or course is None:
        raise NotFound("Review")
    if course.status not in REVIEWABLE:
        raise NotFound("Review")
    report = await file_report(
        session,
        target_type=REPORT_TARGET,
        target_id=review.id,
        reporter_id=actor.id,
        reason=reason,
        details=details,
    )
    return review, report


async def _moderate(
    session: AsyncSession,
    actor: Actor,
    review_id: uuid.UUID,
    note: str | None,
    status: ReviewStatus,
) -> CourseReview:
    require_permission(actor, Permission.MODERATION_MANAGE)
    text = rules.note_text(note)
    review, course = await _review(session, review_id)
    if review.status == status:
        raise Conflict("review_id", f"The review is {status.value} already.")
    review.status = status
    review.moderated_by_id, review.moderated_at, review.moderation_note = actor.id, utcnow(), text
    await save(session, review)  # reloads updated_at, which the database sets
    await _refresh_rating(session, course.id)
    return review


async def hide_review(
    session: AsyncSession, *, actor: Actor, review_id: uuid.UUID, note: str | None = None
) -> CourseReview:
    """Admins: out of everyone's view and out of the rating (CONFLICT when hidden already)."""
    return await _moderate(session, actor, review_id, note, ReviewStatus.HIDDEN)


async def unhide_review(
    session: AsyncSession, *, actor: Actor, review_id: uuid.UUID, note: str | None = None
) -> CourseReview:
    """Admins: a hidden review visible again (CONFLICT when it is not hidden)."""
    return await _moderate(session, actor, review_id, note, ReviewStatus.APPROVED)
