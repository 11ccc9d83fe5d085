"""Public functions of the catalog that keep a course's rating columns and scores (imported as
a module: the package's `__init__` leaves it out because it reads the enrollment and review
tables). The reviews service recomputes a course's rating under the course's row lock; a
periodic job recomputes every course's popularity and trending scores (docs/api.md, "Reviews
and ratings").
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import repo
from app.catalog.models import Course
from app.catalog.repo import scores
from app.catalog.rules import course_changed


async def lock_course(session: AsyncSession, course_id: uuid.UUID) -> Course | None:
    """The course row, locked (SELECT … FOR UPDATE): rating writes of one course run in turn."""
    return await repo.get_course(session, course_id, for_update=True)


async def set_course_rating(
    session: AsyncSession, *, course_id: uuid.UUID, average: Decimal | None, count: int
) -> None:
    """Store the course's rating (the caller holds `lock_course`) and announce the change
    (COURSE_CHANGED in the same transaction: re-index, catalog cache version)."""
    await scores.set_rating(session, course_id, average, count)
    await course_changed(session, course_id, "reviews")


async def recompute_course_scores(session: AsyncSession, *, now: datetime) -> int:
    """Every course's popularity and trending scores (one UPDATE); how many changed."""
    return await scores.recompute_scores(session, now)
