"""Popularity and trending scores: the periodic job recomputes them for every course in one
statement from enrollments, completions and reviews (recent ones decaying over the last seven
days), idempotently; the catalogue's TRENDING, POPULARITY and RATING sorts follow them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from app.accounts.models import User
from app.catalog import reads
from app.catalog.filters import CourseFilterArgs
from app.catalog.models import Course
from app.catalog.ratings import recompute_course_scores
from app.clock import frozen
from app.db import Database
from app.learning.models import Enrollment, EnrollmentSource, EnrollmentStatus
from app.pagination import PageRequest
from tests.support.catalog import course, instructor, person
from tests.support.reviews import review, stored_course

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


async def _students(
    database: Database,
    course_id: uuid.UUID,
    count: int,
    *,
    enrolled: datetime,
    completed: bool = False,
) -> list[User]:
    made = [await person(database) for _ in range(count)]
    async with database.transaction() as session:
        for student in made:
            session.add(
                Enrollment(
                    student_id=student.id,
                    course_id=course_id,
                    source=EnrollmentSource.FREE,
                    status=EnrollmentStatus.COMPLETED if completed else EnrollmentStatus.ACTIVE,
                    enrolled_at=enrolled,
                    completed_at=enrolled + timedelta(days=1) if completed else None,
                )
            )
    return made


async def _recompute(database: Database) -> int:
    async with database.transaction() as session:
        return await recompute_course_scores(session, now=NOW)


async def _order(database: Database, owner: uuid.UUID, sort: str) -> list[uuid.UUID]:
    async with database.session() as session:
        page = await reads.list_courses(
            session,
            filter_args=CourseFilterArgs(instructor_id=owner),
            sort=sort,
            request=PageRequest.create(first=10),
        )
    return [c.id for c in page.items]


async def _three_courses(database: Database) -> tuple[uuid.UUID, list[Course]]:
    """An old favourite (many enrollments long ago), a newcomer (a few this week) and a
    well-rated one (few students, five-star reviews)."""
    owner = await instructor(database)
    favourite, newcomer, rated = [await course(database, owner.id, tiers=()) for _ in range(3)]
    await _students(database, favourite.id, 12, enrolled=NOW - timedelta(days=60), completed=True)
    await _students(database, newcomer.id, 4, enrolled=NOW - timedelta(hours=6))
    fans = await _students(database, rated.id, 3, enrolled=NOW - timedelta(days=30))
    with frozen(NOW - timedelta(days=20)):
        for fan in fans:
            await review(database, fan, rated, 5)
    return owner.id, [favourite, newcomer, rated]


async def test_the_catalogue_sorts_follow_the_scores_the_job_maintains(
    database: Database,
) -> None:
    owner, (favourite, newcomer, rated) = await _three_courses(database)
    assert await _recompute(database) == 3
    assert (await _order(database, owner, "trending"))[0] == newcomer.id
    assert (await _order(database, owner, "popularity"))[0] == favourite.id
    assert (await _order(database, owner, "rating"))[0] == rated.id
    stored = {c.id: await stored_course(database, c.id) for c in (favourite, newcomer, rated)}
    assert stored[favourite.id].trending_score == 0
    assert stored[newcomer.id].trending_score > 3.5  # four enrollments six hours ago


async def test_recent_reviews_make_a_course_trend_and_old_activity_does_not(
    database: Database,
) -> None:
    owner = await instructor(database)
    quiet, talked_about = [await course(database, owner.id, tiers=()) for _ in range(2)]
    await _students(database, quiet.id, 2, enrolled=NOW - timedelta(days=8))
    students = await _students(database, talked_about.id, 2, enrolled=NOW - timedelta(days=8))
    with frozen(NOW - timedelta(days=1)):
        for student in students:
            await review(database, student, talked_about, 4)
    await _recompute(database)
    assert await _order(database, owner.id, "trending") == [talked_about.id, quiet.id]
    assert (await stored_course(database, quiet.id)).trending_score == 0


async def test_running_the_job_again_changes_nothing(database: Database) -> None:
    await _three_courses(database)
    assert await _recompute(database) > 0
    assert await _recompute(database) == 0


async def test_the_job_is_registered_and_bumps_the_catalog_cache() -> None:
    from workers.schedule import JOBS

    [job] = [j for j in JOBS if j.name == "recompute_course_scores"]
    assert job.changes_catalog
