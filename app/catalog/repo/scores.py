"""The SQL that keeps a course's rating columns and its popularity and trending scores.

Imported on its own (like `repo.people`): the scores read enrollments and course reviews.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, Numeric, case, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.catalog.models import Course
from app.cms.models import CourseReview, ReviewStatus
from app.learning.models import Enrollment, EnrollmentStatus

TRENDING_WINDOW = timedelta(days=7)
HALF_LIFE_DAYS = 2.0
SEATS = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
COMPLETION_WEIGHT = 2.0


async def set_rating(
    session: AsyncSession, course_id: uuid.UUID, average: Decimal | None, count: int
) -> None:
    await session.execute(
        update(Course)
        .where(Course.id == course_id)
        .values(average_rating=average, review_count=count)
        .execution_options(synchronize_session=False)
    )


def _decay(at: Any, now: datetime) -> ColumnElement[float]:
    """0.5 ** (age in days / half-life) for an event inside the window, else 0."""
    age_days = func.extract("epoch", cast(now, at.type) - at) / 86400.0
    return case(
        (at >= now - TRENDING_WINDOW, func.power(0.5, cast(age_days, Float) / HALF_LIFE_DAYS)),
        else_=0.0,
    )


def _zero(value: ColumnElement[float]) -> ColumnElement[float]:
    return func.coalesce(value, 0.0)


async def recompute_scores(session: AsyncSession, now: datetime) -> int:
    """Every course's popularity_score and trending_score in one UPDATE (formulas in
    docs/api.md, "Reviews and ratings"); how many courses' scores changed."""
    enrollments = (
        select(
            Enrollment.course_id.label("course_id"),
            cast(func.count().filter(Enrollment.status.in_(SEATS)), Float).label("seats"),
            cast(func.count().filter(Enrollment.status == EnrollmentStatus.COMPLETED), Float).label(
                "completions"
            ),
            func.sum(_decay(Enrollment.enrolled_at, now)).label("recent_enrollments"),
            func.sum(
                case(
                    (
                        Enrollment.status == EnrollmentStatus.COMPLETED,
                        _decay(func.coalesce(Enrollment.completed_at, Enrollment.enrolled_at), now),
                    ),
                    else_=0.0,
                )
            ).label("recent_completions"),
        )
        .group_by(Enrollment.course_id)
        .subquery("e")
    )
    reviews = (
        select(
            CourseReview.course_id.label("course_id"),
            func.sum(_decay(CourseReview.created_at, now)).label("recent_reviews"),
        )
        .where(CourseReview.status == ReviewStatus.APPROVED)
        .group_by(CourseReview.course_id)
        .subquery("r")
    )
    rating = cast(func.coalesce(Course.average_rating, 0), Float)
    popularity = (
        func.ln(1.0 + _zero(enrollments.c.seats))
        + func.ln(1.0 + _zero(enrollments.c.completions))
        + rating / 5.0 * func.ln(1.0 + cast(Course.review_count, Float))
    )
    trending = (
        _zero(enrollments.c.recent_enrollments)
        + COMPLETION_WEIGHT * _zero(enrollments.c.recent_completions)
        + _zero(reviews.c.recent_reviews)
    )
    scores = (
        select(
            Course.id.label("id"),
            func.round(cast(popularity, Numeric), 6).label("popularity"),
            func.round(cast(trending, Numeric), 6).label("trending"),
        )
        .outerjoin(enrollments, enrollments.c.course_id == Course.id)
        .outerjoin(reviews, reviews.c.course_id == Course.id)
        .subquery("s")
    )
    result = await session.execute(
        update(Course)
        .where(
            Course.id == scores.c.id,
            or_(
                Course.popularity_score != cast(scores.c.popularity, Float),
                Course.trending_score != cast(scores.c.trending, Float),
            ),
        )
        .values(
            popularity_score=cast(scores.c.popularity, Float),
            trending_score=cast(scores.c.trending, Float),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
