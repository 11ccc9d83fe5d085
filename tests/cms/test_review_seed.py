"""Demo reviews: the demo students enrolled in both published demo courses review them (through
the services), the free course's instructor replies once, the ratings follow; seeding twice
creates once, and a student who left a course is not re-enrolled."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select, update

from app.accounts.service import get_user_by_email
from app.catalog import reads
from app.cms.models import CourseReview
from app.cms.review_seed import FREE_COURSE, PAID_COURSE
from app.db import Database
from app.learning.models import Enrollment, EnrollmentStatus
from app.seed import seed


async def test_seeding_twice_writes_the_demo_reviews_and_one_reply_once(
    database: Database,
) -> None:
    first, second = await seed(database), await seed(database)
    assert (first["demo reviews"], second["demo reviews"]) == (7, 0)
    async with database.session() as session:
        free, paid = await reads.courses_by_slugs(session, [FREE_COURSE, PAID_COURSE])
        assert free is not None
        assert paid is not None
        written = (await session.scalars(select(CourseReview))).all()
    assert len(written) == 6
    assert sum(r.reply_body is not None for r in written) == 1
    assert (free.average_rating, free.review_count) == (Decimal("4.67"), 3)
    assert (paid.average_rating, paid.review_count) == (Decimal("4.00"), 3)


async def test_a_demo_student_who_left_the_course_is_not_re_enrolled_by_seeding(
    database: Database,
) -> None:
    await seed(database)
    async with database.transaction() as session:
        [free] = await reads.courses_by_slugs(session, [FREE_COURSE])
        assert free is not None
        lena = await get_user_by_email(session, "lena@easyways.example")
        assert lena is not None
        await session.execute(
            update(Enrollment)
            .where(Enrollment.student_id == lena.id, Enrollment.course_id == free.id)
            .values(status=EnrollmentStatus.DROPPED)
        )
        await session.execute(
            delete(CourseReview).where(
                CourseReview.user_id == lena.id, CourseReview.course_id == free.id
            )
        )
    again = await seed(database)
    assert again["demo reviews"] == 0
    async with database.session() as session:
        status = await session.scalar(
            select(Enrollment.status).where(
                Enrollment.student_id == lena.id, Enrollment.course_id == free.id
            )
        )
    assert status == EnrollmentStatus.DROPPED
