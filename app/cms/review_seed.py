"""Demo data: the demo alumni (three students of their own, so the journey students stay
unenrolled) enrolled in the two published demo courses (the free one as a
student joins it; the paid one through the admin enrollment path, a complimentary seat), each
leaving a review, and the free course's instructor replying to one. Everything goes through the
services the API uses; a review or enrollment that exists, or that a user's changes to the demo
data make impossible, is skipped (idempotent: seeding twice creates once)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app import catalog
from app.accounts.models import User
from app.accounts.service import get_user, get_user_by_email
from app.catalog.models import Course
from app.cms import reviews
from app.cms.repo import reviews as repo
from app.errors import DomainError
from app.learning import find_enrollment
from app.learning import service as learning
from app.learning.models import EnrollmentSource
from app.security.permissions import Actor

FREE_COURSE = "python-for-absolute-beginners"
PAID_COURSE = "data-analysis-with-pandas"
STUDENTS = ("lena@easyways.example", "omar@easyways.example", "sofia@easyways.example")
T = TypeVar("T")
log = structlog.get_logger("easyways.seed")


@dataclass(frozen=True)
class DemoReview:
    rating: int
    title: str
    body: str


REVIEWS: dict[str, tuple[DemoReview, ...]] = {
    FREE_COURSE: (
        DemoReview(5, "The gentlest start", "<p>I had never written code. Now I have.</p>"),
        DemoReview(4, "Clear and short", "<p>Short lessons, good examples. More exercises?</p>"),
        DemoReview(5, "Recommended", "<p>The functions module finally made it click.</p>"),
    ),
    PAID_COURSE: (
        DemoReview(4, "Practical", "<p>Real, messy data sets: exactly what I needed.</p>"),
        DemoReview(3, "Good, a bit fast", "<p>The joins chapter goes quickly.</p>"),
        DemoReview(5, "Worth it", "<p>I use groupby at work every day now.</p>"),
    ),
}
REPLY = "<p>Thank you! More exercises are on their way.</p>"


async def _step(session: AsyncSession, what: str, step: Callable[[], Awaitable[T]]) -> T | None:
    try:
        async with session.begin_nested():
            return await step()
    except DomainError as exc:
        log.warning("demo data skipped", item=what, reason=str(exc))
        return None


async def _enroll(session: AsyncSession, student: User, course: Course) -> None:
    if await find_enrollment(session, student.id, course.id) is not None:
        return  # enrolled already, or left the course: the student's choice stands
    if course.is_free:
        await learning.enroll_in_free_course(session, student_id=student.id, course_id=course.id)
    else:
        await learning.enroll_student(
            session, student_id=student.id, course_id=course.id, source=EnrollmentSource.ADMIN
        )


async def _review(session: AsyncSession, student: User, course: Course, demo: DemoReview) -> int:
    """1 when the student's review was written now."""
    if (await repo.reviews_by_author(session, [(student.id, course.id)]))[0] is not None:
        return 0
    await _step(session, f"enrollment in {course.slug}", lambda: _enroll(session, student, course))
    written = await _step(
        session,
        f"review of {course.slug}",
        lambda: reviews.review_course(
            session,
            actor=Actor.of(student),
            course_id=course.id,
            rating=demo.rating,
            title=demo.title,
            body=demo.body,
        ),
    )
    return 0 if written is None else 1


async def _reply(session: AsyncSession, course: Course, student: User) -> int:
    review = (await repo.reviews_by_author(session, [(student.id, course.id)]))[0]
    owner = await get_user(session, course.instructor_id)
    if review is None or review.reply_body is not None or owner is None:
        return 0
    replied = await _step(
        session,
        "instructor reply",
        lambda: reviews.reply_to_review(
            session, actor=Actor.of(owner), review_id=review.id, body=REPLY
        ),
    )
    return 0 if replied is None else 1


async def seed_demo_reviews(session: AsyncSession) -> int:
    """How many reviews and replies were created."""
    students = [await get_user_by_email(session, email) for email in STUDENTS]
    created = 0
    for slug, demos in REVIEWS.items():
        course = (await catalog.courses_by_slugs(session, [slug]))[0]
        if course is None:
            continue
        for student, demo in zip(students, demos, strict=True):
            if student is not None:
                created += await _review(session, student, course, demo)
    free = (await catalog.courses_by_slugs(session, [FREE_COURSE]))[0]
    if free is not None and students[0] is not None:
        created += await _reply(session, free, students[0])
    return created
