"""SQL of course reviews: writes, the visible aggregate, and the batch reads of the loaders."""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.cms.models import CourseReview, ReviewStatus
from app.db import rows_with
from app.ids import new_id
from app.pagination import Page, encode_cursor

VISIBLE = ReviewStatus.APPROVED
CENTS = Decimal("0.01")


class ReviewSort(enum.StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    HIGHEST = "highest"
    LOWEST = "lowest"


@dataclass(frozen=True)
class ReviewPageKey:
    """One page of a course's visible reviews: filter, order, size and position."""

    course_id: uuid.UUID
    sort: ReviewSort = ReviewSort.NEWEST
    rating: int | None = None
    with_body: bool | None = None
    size: int = 20
    after: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class RatingSummary:
    """A course's visible reviews: per rating (1-5), how many and how many have a body."""

    counts: dict[int, int] = field(default_factory=dict)
    with_body: dict[int, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    @property
    def average(self) -> Decimal | None:
        """Rounded half up to two decimals, as PostgreSQL's round(avg(rating), 2)."""
        if not self.count:
            return None
        total = sum(rating * n for rating, n in self.counts.items())
        return (Decimal(total) / Decimal(self.count)).quantize(CENTS, rounding=ROUND_HALF_UP)

    def matching(self, rating: int | None, with_body: bool | None) -> int:
        """How many visible reviews a filter lets through."""
        ratings = [rating] if rating is not None else list(self.counts)
        total = 0
        for r in ratings:
            having = self.with_body.get(r, 0)
            every = self.counts.get(r, 0)
            total += every if with_body is None else having if with_body else every - having
        return total


# --- writes ---------------------------------------------------------------------------------------


async def insert_review(session: AsyncSession, values: dict[str, Any]) -> CourseReview | None:
    """The new review, or None when the user has one for the course (also under a race)."""
    review_id = await session.scalar(
        insert(CourseReview)
        .values(id=new_id(), **values)
        .on_conflict_do_nothing(index_elements=["user_id", "course_id"])
        .returning(CourseReview.id)
    )
    return None if review_id is None else await get_review(session, review_id)


async def get_review(
    session: AsyncSession, review_id: uuid.UUID, *, for_update: bool = False
) -> CourseReview | None:
    stmt = select(CourseReview).where(CourseReview.id == review_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt.execution_options(populate_existing=True))).one_or_none()


async def delete_review(session: AsyncSession, review_id: uuid.UUID) -> None:
    await session.execute(delete(CourseReview).where(CourseReview.id == review_id))


async def visible_rating(session: AsyncSession, course_id: uuid.UUID) -> tuple[Decimal | None, int]:
    """(average rounded to 2 decimals or None, count) of the course's visible reviews."""
    row = (
        await session.execute(
            select(func.round(func.avg(CourseReview.rating), 2), func.count()).where(
                CourseReview.course_id == course_id, CourseReview.status == VISIBLE
            )
        )
    ).one()
    return row[0], int(row[1])


# --- batch reads ----------------------------------------------------------------------------------


async def reviews_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[CourseReview | None]:
    found = {r.id: r for r in await rows_with(session, CourseReview.id, ids)}
    return [found.get(i) for i in ids]


async def reviews_by_author(
    session: AsyncSession, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> list[CourseReview | None]:
    """Keyed by (user id, course id): the user's review of the course, whatever its status."""
    rows = await session.scalars(
        select(CourseReview).where(
            tuple_(CourseReview.user_id, CourseReview.course_id).in_([tuple(k) for k in keys])
        )
    )
    found = {(r.user_id, r.course_id): r for r in rows}
    return [found.get(key) for key in keys]


async def summaries(session: AsyncSession, course_ids: Sequence[uuid.UUID]) -> list[RatingSummary]:
    has_body = and_(CourseReview.body.is_not(None), CourseReview.body != "")
    rows = await session.execute(
        select(
            CourseReview.course_id,
            CourseReview.rating,
            func.count(),
            func.count().filter(has_body),
        )
        .where(CourseReview.course_id.in_(course_ids), CourseReview.status == VISIBLE)
        .group_by(CourseReview.course_id, CourseReview.rating)
    )
    found: defaultdict[uuid.UUID, RatingSummary] = defaultdict(RatingSummary)
    for course_id, rating, count, bodies in rows:
        found[course_id].counts[rating] = count
        found[course_id].with_body[rating] = bodies
    return [found[c] if c in found else RatingSummary() for c in course_ids]


def sort_keys(sort: ReviewSort) -> tuple[list[ColumnElement[Any]], bool]:
    """The order's columns (id last) and whether it descends (one direction for every key)."""
    match sort:
        case ReviewSort.NEWEST | ReviewSort.OLDEST:
            columns = [CourseReview.created_at, CourseReview.id]
        case ReviewSort.HIGHEST | ReviewSort.LOWEST:
            columns = [CourseReview.rating, CourseReview.created_at, CourseReview.id]
    descending = sort in (ReviewSort.NEWEST, ReviewSort.HIGHEST)
    return [c.expression for c in columns], descending


def _filters(key: ReviewPageKey) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [CourseReview.status == VISIBLE]
    if key.rating is not None:
        clauses.append(CourseReview.rating == key.rating)
    if key.with_body is not None:
        has_body = and_(CourseReview.body.is_not(None), CourseReview.body != "")
        clauses.append(has_body if key.with_body else ~has_body)
    if key.after is not None:
        columns, descending = sort_keys(key.sort)
        position = tuple_(*columns)
        clauses.append(position < tuple_(*key.after) if descending else position > key.after)
    return clauses


async def review_pages(
    session: AsyncSession, keys: Sequence[ReviewPageKey]
) -> list[Page[CourseReview]]:
    """Pages of visible reviews, one statement for the keys that differ only by course (a row
    number per course bounds each page)."""
    groups: defaultdict[ReviewPageKey, list[uuid.UUID]] = defaultdict(list)
    for key in keys:
        groups[_group(key)].append(key.course_id)
    found: dict[ReviewPageKey, Page[CourseReview]] = {}
    for group, course_ids in groups.items():
        columns, descending = sort_keys(group.sort)
        order = [c.desc() if descending else c.asc() for c in columns]
        numbered = (
            select(
                CourseReview,
                func.row_number()
                .over(partition_by=CourseReview.course_id, order_by=order)
                .label("n"),
            )
            .where(CourseReview.course_id.in_(course_ids), *_filters(group))
            .subquery("numbered")
        )
        review = aliased(CourseReview, numbered)
        rows = await session.scalars(
            select(review)
            .where(numbered.c.n <= group.size + 1)
            .order_by(numbered.c.course_id, numbered.c.n)
        )
        by_course: defaultdict[uuid.UUID, list[CourseReview]] = defaultdict(list)
        for row in rows:
            by_course[row.course_id].append(row)
        for course_id in course_ids:
            items = by_course.get(course_id, [])
            found[_keyed(group, course_id)] = Page(
                items=items[: group.size],
                cursors=[encode_cursor(_position(group.sort, r)) for r in items[: group.size]],
                has_next=len(items) > group.size,
                has_previous=group.after is not None,
            )
    return [found[k] for k in keys]


def _group(key: ReviewPageKey) -> ReviewPageKey:
    return ReviewPageKey(uuid.UUID(int=0), key.sort, key.rating, key.with_body, key.size, key.after)


def _keyed(group: ReviewPageKey, course_id: uuid.UUID) -> ReviewPageKey:
    return ReviewPageKey(
        course_id, group.sort, group.rating, group.with_body, group.size, group.after
    )


def _position(sort: ReviewSort, review: CourseReview) -> tuple[Any, ...]:
    if sort in (ReviewSort.NEWEST, ReviewSort.OLDEST):
        return (review.created_at, review.id)
    return (review.rating, review.created_at, review.id)
