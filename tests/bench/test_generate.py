"""The bench generator: a tiny data set loaded into the test database has the promised shape."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User, UserRole
from app.catalog.models import (
    Category,
    Course,
    CourseModule,
    CoursePricingTier,
    CourseStatus,
    CourseTag,
    InstructorProfile,
    Lesson,
    LessonType,
)
from app.db import Database
from app.learning.models import Enrollment
from app.media.models import VideoAsset, VideoStatus
from app.security.passwords import verify_password
from bench.dataset import BENCH_PASSWORD, BENCH_PASSWORD_HASH, Scale, build
from bench.generate import load

TINY = Scale.tiny()


async def _load_tiny(database: Database) -> None:
    await load(database.engine.url.render_as_string(hide_password=False), build(TINY))


async def _all(database: Database, *columns: Any) -> list[tuple[Any, ...]]:
    async with database.session() as session:
        return [tuple(row) for row in await session.execute(select(*columns))]


async def test_tiny_data_set_has_the_requested_numbers_of_each_thing(database: Database) -> None:
    await _load_tiny(database)
    async with database.session() as session:

        async def count(*where: object, model: object) -> int:
            stmt = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
            return (await session.scalar(stmt)) or 0

        published = Course.status == CourseStatus.PUBLISHED
        assert await count(published, model=Course) == TINY.courses
        assert await count(Course.status == CourseStatus.DRAFT, model=Course) == TINY.drafts
        assert await count(model=Category) == TINY.categories
        assert await count(User.role == UserRole.INSTRUCTOR, model=User) == TINY.instructors
        assert await count(model=InstructorProfile) == TINY.instructors
        assert await count(User.role == UserRole.STUDENT, model=User) == TINY.students
        assert await count(model=Enrollment) == TINY.enrollments
        all_courses = TINY.courses + TINY.drafts
        assert await count(model=CourseModule) == all_courses * TINY.modules_per_course
        lessons = all_courses * TINY.modules_per_course * TINY.lessons_per_module
        assert await count(model=Lesson) == lessons


async def test_modules_and_lessons_are_numbered_one_to_n_without_gaps(database: Database) -> None:
    await _load_tiny(database)
    modules: dict[object, list[int]] = defaultdict(list)
    numbers = await _all(database, CourseModule.course_id, CourseModule.order_number)
    for course_id, number in numbers:
        modules[course_id].append(number)
    lessons: dict[object, list[int]] = defaultdict(list)
    module_course = dict(await _all(database, CourseModule.id, CourseModule.course_id))
    for module_id, course_id, number in await _all(
        database, Lesson.module_id, Lesson.course_id, Lesson.order_number
    ):
        assert module_course[module_id] == course_id  # the denormalised course id is right
        lessons[module_id].append(number)

    assert len(modules) == TINY.courses + TINY.drafts
    assert all(sorted(n) == list(range(1, TINY.modules_per_course + 1)) for n in modules.values())
    assert all(sorted(n) == list(range(1, TINY.lessons_per_module + 1)) for n in lessons.values())


async def test_paid_courses_have_basic_and_pro_tiers_and_free_courses_none(
    database: Database,
) -> None:
    await _load_tiny(database)
    tiers: dict[object, dict[str, int]] = defaultdict(dict)
    for course_id, tier, price in await _all(
        database, CoursePricingTier.course_id, CoursePricingTier.tier, CoursePricingTier.price_minor
    ):
        tiers[course_id][tier.value] = price

    for course_id, is_free, min_price in await _all(
        database, Course.id, Course.is_free, Course.min_price_minor
    ):
        if is_free:
            assert course_id not in tiers
            assert min_price == 0
        else:
            assert set(tiers[course_id]) in ({"basic", "pro"}, {"basic", "pro", "premium"})
            assert min_price == min(tiers[course_id].values()) == tiers[course_id]["basic"]


async def test_every_course_has_three_to_six_tags_and_video_lessons_a_ready_video(
    database: Database,
) -> None:
    await _load_tiny(database)
    tags = Counter(course_id for (course_id,) in await _all(database, CourseTag.course_id))
    assert len(tags) == TINY.courses + TINY.drafts
    assert all(3 <= n <= 6 for n in tags.values())

    videos = dict(await _all(database, VideoAsset.id, VideoAsset.status))
    for kind, video_id in await _all(database, Lesson.type, Lesson.video_asset_id):
        if kind == LessonType.VIDEO:
            assert videos[video_id] == VideoStatus.READY
        else:
            assert video_id is None


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows() -> None:
    first, again, other = build(TINY, seed=7), build(TINY, seed=7), build(TINY, seed=8)

    assert first.tables["courses"].rows == again.tables["courses"].rows
    assert first.tables["lessons"].rows == again.tables["lessons"].rows
    assert first.tables["courses"].rows != other.tables["courses"].rows


def test_every_bench_user_signs_in_with_the_published_bench_password() -> None:
    users = build(TINY).tables["users"]
    hashes = {row[users.columns.index("password_hash")] for row in users.rows}

    assert hashes == {BENCH_PASSWORD_HASH}
    assert verify_password(BENCH_PASSWORD_HASH, BENCH_PASSWORD)


def test_the_default_scale_is_at_least_what_the_issue_asks_for() -> None:
    counts = build().counts()
    scale = Scale()

    assert scale.courses >= 1000
    assert counts["categories"] == 50
    assert counts["instructor_profiles"] == 200
    assert counts["users"] == 200 + 20_000
    assert counts["course_modules"] >= 8 * 1000
    assert counts["lessons"] >= 8 * 6 * 1000
    assert counts["tags"] == 300
