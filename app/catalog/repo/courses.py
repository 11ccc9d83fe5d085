"""SQL of courses and what hangs directly off them: slugs, requirements, objectives, tags,
pricing tiers, the publication checks and the course lists."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import filters
from app.catalog.errors import CatalogCode
from app.catalog.models import (
    Category,
    Course,
    CourseModule,
    CourseObjective,
    CoursePricingTier,
    CourseRequirement,
    CourseStatus,
    CourseTag,
    InstructorProfile,
    Lesson,
    LessonType,
    PricingTier,
    Tag,
)
from app.catalog.repo.keys import by_key, grouped
from app.catalog.slugs import next_free
from app.db import Database, DriverStatement, rows_with
from app.errors import Conflict
from app.pagination import (
    Page,
    PageRequest,
    SortKey,
    bound_keyset_select,
    keyset_keys,
    keyset_parameters,
    page_of,
    paginate,
)

SluggedT = TypeVar("SluggedT", Course, Category, InstructorProfile)


# --- slugs -----------------------------------------------------------------------------------


async def slugs_taken(session: AsyncSession, model: type[SluggedT], base: str) -> set[str]:
    """`base` and its numbered variants already in use (bases hold only [a-z0-9-])."""
    slug = model.slug
    rows = await session.scalars(select(slug).where(or_(slug == base, slug.like(f"{base}-%"))))
    return {row for row in rows if row is not None}


async def insert_with_free_slug(
    session: AsyncSession,
    model: type[SluggedT],
    base: str,
    build: Callable[[str], SluggedT],
    *,
    attempts: int = 25,
) -> SluggedT:
    """Insert the row built for the first free slug; a concurrent insert that took the same slug
    first makes the SAVEPOINT fail on the unique constraint, and the next free one is tried."""
    constraint = f"uq_{model.__tablename__}_slug"
    for _ in range(attempts):
        obj = build(next_free(base, await slugs_taken(session, model, base)))
        try:
            async with session.begin_nested():
                session.add(obj)
                await session.flush()
        except IntegrityError as exc:
            if constraint not in str(exc.orig):
                raise
            continue
        return obj
    raise _no_free_slug()


async def move_to_free_slug(
    session: AsyncSession, course: Course, base: str, *, attempts: int = 25
) -> None:
    """Give an existing course the first free slug for `base` (kept if it already has one)."""
    if course.slug == base or course.slug.removeprefix(f"{base}-").isdigit():
        return
    for _ in range(attempts):
        slug = next_free(base, await slugs_taken(session, Course, base))
        try:
            async with session.begin_nested():
                course.slug = slug
                await session.flush()
        except IntegrityError as exc:
            if "uq_courses_slug" not in str(exc.orig):
                raise
            continue
        return
    raise _no_free_slug()


def _no_free_slug() -> Conflict:
    return Conflict("slug", "Could not find a free slug, try again", CatalogCode.SLUG_TAKEN)


# --- courses ---------------------------------------------------------------------------------


async def get_course(
    session: AsyncSession, course_id: uuid.UUID, *, for_update: bool = False
) -> Course | None:
    stmt = select(Course).where(Course.id == course_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def courses_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Course | None]:
    rows = await rows_with(session, Course.id, ids)
    return by_key(ids, [(c.id, c) for c in rows])


async def courses_by_slugs(session: AsyncSession, slugs: Sequence[str]) -> list[Course | None]:
    rows = await session.scalars(select(Course).where(Course.slug.in_(slugs)))
    return by_key(slugs, [(c.slug, c) for c in rows])


async def list_courses(
    session: AsyncSession,
    *,
    filter_args: filters.CourseFilterArgs | None = None,
    sort: str = "popularity",
    request: PageRequest,
    published_only: bool = True,
    instructor_id: uuid.UUID | None = None,
    status: CourseStatus | None = None,
    with_total: bool = False,
) -> Page[Course]:
    """One keyset page of courses; validate `filter_args` first (`filters.validate_filter`)."""
    stmt: Select[Any] = select(Course)
    if published_only:
        stmt = filters.published_only(stmt)
    if instructor_id is not None:
        stmt = stmt.where(Course.instructor_id == instructor_id)
    if status is not None:
        stmt = stmt.where(Course.status == status)
    if filter_args is not None:
        stmt = filters.apply_course_filter(stmt, filter_args)
    return await paginate(
        session,
        stmt,
        order_by=filters.course_sort_keys(sort),
        tiebreaker=Course.id.expression,
        request=request,
        with_total=with_total,
    )


@functools.lru_cache(maxsize=256)
def _published_ids_statements(
    sort: str, filters_set: tuple[str, ...], after: bool, before: bool, backwards: bool
) -> tuple[DriverStatement, DriverStatement, list[SortKey]]:
    """`list_courses`'s published page as ids only, and its count, compiled once per sort, set of
    filters and cursor use (the filter values, positions and limit are parameters); the keys."""
    values: dict[str, Any] = {name: bindparam(name) for name in filters_set}
    stmt = filters.published_only(select(Course.id)).where(*filters.filter_clauses(values))
    keys = keyset_keys(filters.course_sort_keys(sort), Course.id.expression)
    paged = bound_keyset_select(stmt, keys, after=after, before=before, backwards=backwards)
    counted = select(func.count()).select_from(stmt.subquery())
    return DriverStatement.of(paged), DriverStatement.of(counted), keys


async def list_published_ids(
    db: Database,
    *,
    filter_args: filters.CourseFilterArgs | None = None,
    sort: str = "popularity",
    request: PageRequest,
    with_total: bool = False,
) -> Page[uuid.UUID]:
    """`list_courses(published_only=True)` as a page of ids (same order, cursors and flags),
    straight through the driver: for a reader that writes the courses itself."""
    values: dict[str, Any] = (
        filters.course_filter_values(filter_args) if filter_args is not None else {}
    )
    page_statement, count_statement, keys = _published_ids_statements(
        sort.lower(),
        tuple(values),
        request.after is not None,
        request.before is not None,
        request.backwards,
    )
    rows = await db.fetch(page_statement, {**values, **keyset_parameters(keys, request)})
    total = None
    if with_total:
        total = int((await db.fetch(count_statement, values))[0][0])
    return page_of(rows, 1, request, total)


async def list_pending_review(
    session: AsyncSession, *, request: PageRequest, with_total: bool = False
) -> Page[Course]:
    """One keyset page of the courses waiting for review, oldest submission first."""
    return await paginate(
        session,
        select(Course).where(Course.status == CourseStatus.PENDING_REVIEW),
        order_by=[func.coalesce(Course.submitted_at, Course.created_at)],
        tiebreaker=Course.id.expression,
        request=request,
        with_total=with_total,
    )


# --- requirements and objectives --------------------------------------------------------------


async def replace_requirements(
    session: AsyncSession, course_id: uuid.UUID, contents: Sequence[str]
) -> None:
    await session.execute(delete(CourseRequirement).where(CourseRequirement.course_id == course_id))
    session.add_all(
        CourseRequirement(course_id=course_id, sort_order=i, content=c)
        for i, c in enumerate(contents)
    )
    await session.flush()


async def replace_objectives(
    session: AsyncSession, course_id: uuid.UUID, contents: Sequence[str]
) -> None:
    await session.execute(delete(CourseObjective).where(CourseObjective.course_id == course_id))
    session.add_all(
        CourseObjective(course_id=course_id, sort_order=i, content=c)
        for i, c in enumerate(contents)
    )
    await session.flush()


async def requirements_by_course_ids(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> list[list[str]]:
    rows = await session.execute(
        select(CourseRequirement.course_id, CourseRequirement.content)
        .where(CourseRequirement.course_id.in_(course_ids))
        .order_by(CourseRequirement.sort_order)
    )
    return grouped(course_ids, [(r.course_id, r.content) for r in rows])


async def objectives_by_course_ids(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> list[list[str]]:
    rows = await session.execute(
        select(CourseObjective.course_id, CourseObjective.content)
        .where(CourseObjective.course_id.in_(course_ids))
        .order_by(CourseObjective.sort_order)
    )
    return grouped(course_ids, [(r.course_id, r.content) for r in rows])


# --- tags ------------------------------------------------------------------------------------


async def upsert_tags(session: AsyncSession, tags: Sequence[tuple[str, str]]) -> list[uuid.UUID]:
    """(slug, name) pairs → tag ids in the same order; existing tags (by slug) are reused.
    Inserted in slug order so concurrent upserts lock in the same order."""
    if not tags:
        return []
    values = [{"slug": slug, "name": name} for slug, name in sorted(dict(tags).items())]
    await session.execute(insert(Tag).values(values).on_conflict_do_nothing())
    slugs = [slug for slug, _ in tags]
    rows = await session.execute(select(Tag.slug, Tag.id).where(Tag.slug.in_(slugs)))
    ids = {r[0]: r[1] for r in rows}
    missing = [slug for slug in slugs if slug not in ids]
    if missing:  # the name exists under another slug (e.g. "C++" vs "c-plus-plus")
        raise Conflict(
            "tags",
            f"Tag conflicts with an existing tag: {missing[0]}",
            CatalogCode.TAG_CONFLICT,
        )
    return [ids[slug] for slug in slugs]


async def set_course_tags(
    session: AsyncSession, course_id: uuid.UUID, tag_ids: Sequence[uuid.UUID]
) -> None:
    await session.execute(delete(CourseTag).where(CourseTag.course_id == course_id))
    session.add_all(CourseTag(course_id=course_id, tag_id=t) for t in dict.fromkeys(tag_ids))
    await session.flush()


async def tags_by_course_ids(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> list[list[Tag]]:
    rows = await session.execute(
        select(CourseTag.course_id, Tag)
        .join(Tag, Tag.id == CourseTag.tag_id)
        .where(CourseTag.course_id.in_(course_ids))
        .order_by(Tag.slug)
    )
    return grouped(course_ids, [(r[0], r[1]) for r in rows])


# --- pricing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierRow:
    tier: PricingTier
    price_minor: int
    original_price_minor: int | None
    features: list[str]


async def replace_tiers(
    session: AsyncSession, course_id: uuid.UUID, currency: str, tiers: Sequence[TierRow]
) -> None:
    """Upsert the given tiers (ids stay stable) and drop the others."""
    keep = [t.tier for t in tiers]
    await session.execute(
        delete(CoursePricingTier).where(
            CoursePricingTier.course_id == course_id, CoursePricingTier.tier.not_in(keep)
        )
    )
    if tiers:
        stmt = insert(CoursePricingTier).values(
            [
                {
                    "course_id": course_id,
                    "tier": t.tier,
                    "price_minor": t.price_minor,
                    "original_price_minor": t.original_price_minor,
                    "currency": currency,
                    "features": t.features,
                    "is_active": True,
                }
                for t in tiers
            ]
        )
        excluded = stmt.excluded
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["course_id", "tier"],
                set_={
                    "price_minor": excluded.price_minor,
                    "original_price_minor": excluded.original_price_minor,
                    "currency": excluded.currency,
                    "features": excluded.features,
                    "is_active": True,
                    "updated_at": func.now(),
                },
            )
        )


async def tiers_by_course_ids(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> list[list[CoursePricingTier]]:
    rows = await session.scalars(
        select(CoursePricingTier)
        .where(CoursePricingTier.course_id.in_(course_ids))
        .order_by(CoursePricingTier.price_minor, CoursePricingTier.tier)
    )
    return grouped(course_ids, [(t.course_id, t) for t in rows])


# --- publication checks ----------------------------------------------------------------------


@dataclass(frozen=True)
class CourseShape:
    """What publication validation looks at, read in three statements."""

    modules: list[tuple[str, int]]  # (title, lesson count) in order
    videos: list[tuple[str, uuid.UUID | None]]  # (title, video asset) of the video lessons
    active_tiers: int


async def course_shape(session: AsyncSession, course_id: uuid.UUID) -> CourseShape:
    modules = await session.execute(
        select(CourseModule.title, func.count(Lesson.id))
        .outerjoin(Lesson, Lesson.module_id == CourseModule.id)
        .where(CourseModule.course_id == course_id)
        .group_by(CourseModule.id)
        .order_by(CourseModule.order_number)
    )
    videos = await session.execute(
        select(Lesson.title, Lesson.video_asset_id)
        .join(CourseModule, CourseModule.id == Lesson.module_id)
        .where(Lesson.course_id == course_id, Lesson.type == LessonType.VIDEO)
        .order_by(CourseModule.order_number, Lesson.order_number)
    )
    tiers = await session.scalar(
        select(func.count())
        .select_from(CoursePricingTier)
        .where(CoursePricingTier.course_id == course_id, CoursePricingTier.is_active)
    )
    return CourseShape(
        modules=[(r[0], r[1]) for r in modules],
        videos=[(r[0], r[1]) for r in videos],
        active_tiers=tiers or 0,
    )
