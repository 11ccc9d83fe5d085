"""All SQL of the catalog authoring side. Never commits; batch reads return rows in key order."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.models import (
    Category,
    Course,
    CourseModule,
    CourseObjective,
    CoursePricingTier,
    CourseRequirement,
    CourseTag,
    Lesson,
    LessonType,
    PricingTier,
    Tag,
)
from app.catalog.slugs import next_free
from app.db import Base, save
from app.errors import Conflict
from app.media.models import VideoAsset, VideoStatus

SluggedT = TypeVar("SluggedT", Course, Category)
RowT = TypeVar("RowT", bound=Base)


def _in_key_order(keys: Sequence[uuid.UUID], rows: Sequence[RowT]) -> list[RowT | None]:
    by_id = {row.id: row for row in rows}  # type: ignore[attr-defined]
    return [by_id.get(key) for key in keys]


# --- slugs -----------------------------------------------------------------------------------


async def slugs_taken(session: AsyncSession, model: type[SluggedT], base: str) -> set[str]:
    """`base` and its numbered variants already in use (bases hold only [a-z0-9-])."""
    slug = model.slug
    rows = await session.scalars(select(slug).where(or_(slug == base, slug.like(f"{base}-%"))))
    return set(rows)


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
    raise Conflict("slug", "Could not find a free slug, try again", "SLUG_TAKEN")


# --- courses ---------------------------------------------------------------------------------


async def get_course(
    session: AsyncSession, course_id: uuid.UUID, *, for_update: bool = False
) -> Course | None:
    stmt = select(Course).where(Course.id == course_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def courses_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Course | None]:
    rows = (await session.scalars(select(Course).where(Course.id.in_(ids)))).all()
    return _in_key_order(ids, rows)


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
    return _grouped(course_ids, [(r.course_id, r.content) for r in rows])


async def objectives_by_course_ids(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> list[list[str]]:
    rows = await session.execute(
        select(CourseObjective.course_id, CourseObjective.content)
        .where(CourseObjective.course_id.in_(course_ids))
        .order_by(CourseObjective.sort_order)
    )
    return _grouped(course_ids, [(r.course_id, r.content) for r in rows])


def _grouped(keys: Sequence[uuid.UUID], pairs: Sequence[tuple[uuid.UUID, Any]]) -> list[list[Any]]:
    groups: dict[uuid.UUID, list[Any]] = {key: [] for key in keys}
    for key, value in pairs:
        groups[key].append(value)
    return [groups[key] for key in keys]


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
        raise Conflict("tags", f"Tag conflicts with an existing tag: {missing[0]}", "TAG_CONFLICT")
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
    return _grouped(course_ids, [(r[0], r[1]) for r in rows])


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
    return _grouped(course_ids, [(t.course_id, t) for t in rows])


# --- modules and lessons ---------------------------------------------------------------------


async def get_module(session: AsyncSession, module_id: uuid.UUID) -> CourseModule | None:
    return await session.get(CourseModule, module_id)


async def get_lesson(session: AsyncSession, lesson_id: uuid.UUID) -> Lesson | None:
    return await session.get(Lesson, lesson_id)


async def modules_by_course_ids(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> list[list[CourseModule]]:
    rows = await session.scalars(
        select(CourseModule)
        .where(CourseModule.course_id.in_(course_ids))
        .order_by(CourseModule.order_number)
    )
    return _grouped(course_ids, [(m.course_id, m) for m in rows])


async def lessons_by_module_ids(
    session: AsyncSession, module_ids: Sequence[uuid.UUID]
) -> list[list[Lesson]]:
    rows = await session.scalars(
        select(Lesson).where(Lesson.module_id.in_(module_ids)).order_by(Lesson.order_number)
    )
    return _grouped(module_ids, [(lesson.module_id, lesson) for lesson in rows])


async def renumber(session: AsyncSession, ordered: Sequence[CourseModule | Lesson]) -> None:
    """Order numbers 1..n in the given order (the unique constraints are deferred)."""
    for number, row in enumerate(ordered, start=1):
        if row.order_number != number:
            row.order_number = number
    await save(session, *ordered)


async def video_asset_exists(session: AsyncSession, video_asset_id: uuid.UUID) -> bool:
    found = await session.scalar(select(VideoAsset.id).where(VideoAsset.id == video_asset_id))
    return found is not None


# --- publication checks ----------------------------------------------------------------------


@dataclass(frozen=True)
class CourseShape:
    """What publication validation looks at, read in three statements."""

    modules: list[tuple[str, int]]  # (title, lesson count) in order
    unready_videos: list[str]  # titles of video lessons without a ready video asset
    active_tiers: int


async def course_shape(session: AsyncSession, course_id: uuid.UUID) -> CourseShape:
    modules = await session.execute(
        select(CourseModule.title, func.count(Lesson.id))
        .outerjoin(Lesson, Lesson.module_id == CourseModule.id)
        .where(CourseModule.course_id == course_id)
        .group_by(CourseModule.id)
        .order_by(CourseModule.order_number)
    )
    videos = await session.scalars(
        select(Lesson.title)
        .outerjoin(VideoAsset, VideoAsset.id == Lesson.video_asset_id)
        .join(CourseModule, CourseModule.id == Lesson.module_id)
        .where(
            Lesson.course_id == course_id,
            Lesson.type == LessonType.VIDEO,
            or_(VideoAsset.id.is_(None), VideoAsset.status != VideoStatus.READY),
        )
        .order_by(CourseModule.order_number, Lesson.order_number)
    )
    tiers = await session.scalar(
        select(func.count())
        .select_from(CoursePricingTier)
        .where(CoursePricingTier.course_id == course_id, CoursePricingTier.is_active)
    )
    return CourseShape(
        modules=[(r[0], r[1]) for r in modules],
        unready_videos=list(videos),
        active_tiers=tiers or 0,
    )


# --- categories ------------------------------------------------------------------------------


async def get_category(session: AsyncSession, category_id: uuid.UUID) -> Category | None:
    return await session.get(Category, category_id)


async def categories_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Category | None]:
    rows = (await session.scalars(select(Category).where(Category.id.in_(ids)))).all()
    return _in_key_order(ids, rows)


async def list_categories(session: AsyncSession, *, active_only: bool) -> list[Category]:
    stmt = select(Category).order_by(Category.sort_order, Category.name)
    if active_only:
        stmt = stmt.where(Category.is_active)
    return list(await session.scalars(stmt))


async def category_with(
    session: AsyncSession, *, name: str | None = None, slug: str | None = None
) -> uuid.UUID | None:
    clause = Category.name == name if name is not None else Category.slug == slug
    return await session.scalar(select(Category.id).where(clause))


async def next_category_sort_order(session: AsyncSession) -> int:
    current = await session.scalar(select(func.max(Category.sort_order)))
    return 0 if current is None else current + 1


async def category_parents(session: AsyncSession) -> dict[uuid.UUID, uuid.UUID | None]:
    rows = await session.execute(select(Category.id, Category.parent_id))
    return {r[0]: r[1] for r in rows}


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
    raise Conflict("slug", "Could not find a free slug, try again", "SLUG_TAKEN")
