"""SQL of instructors: applications, public profiles, what their pages count, the courses they
teach and the teaching teams of courses."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Select, bindparam, delete, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User, UserRole
from app.catalog.models import (
    Course,
    CourseInstructor,
    CourseInstructorRole,
    InstructorApplication,
    InstructorApplicationStatus,
    InstructorProfile,
)
from app.catalog.repo.keys import by_key, grouped
from app.catalog.teaching_sql import stats_select, taught_courses
from app.pagination import InvalidPageRequest, Page, PageRequest, encode_cursor, paginate


@dataclass(frozen=True)
class InstructorStats:
    course_count: int = 0
    student_count: int = 0
    review_count: int = 0
    rating: Decimal | None = None


# --- applications --------------------------------------------------------------------------------


async def pending_application(
    session: AsyncSession, user_id: uuid.UUID
) -> InstructorApplication | None:
    return await session.scalar(
        select(InstructorApplication).where(
            InstructorApplication.user_id == user_id,
            InstructorApplication.status == InstructorApplicationStatus.PENDING,
        )
    )


async def get_application(
    session: AsyncSession, application_id: uuid.UUID, *, for_update: bool = False
) -> InstructorApplication | None:
    return await session.get(InstructorApplication, application_id, with_for_update=for_update)


async def applications_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[InstructorApplication | None]:
    rows = await session.scalars(
        select(InstructorApplication).where(InstructorApplication.id.in_(ids))
    )
    return by_key(ids, [(a.id, a) for a in rows])


async def latest_applications_by_user_ids(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> list[InstructorApplication | None]:
    rows = await session.scalars(
        select(InstructorApplication)
        .where(InstructorApplication.user_id.in_(user_ids))
        .order_by(InstructorApplication.created_at, InstructorApplication.id)
    )
    return by_key(user_ids, [(a.user_id, a) for a in rows])  # the last one of each user wins


async def list_applications(
    session: AsyncSession,
    *,
    status: InstructorApplicationStatus | None,
    request: PageRequest,
    with_total: bool = False,
) -> Page[InstructorApplication]:
    """Oldest first (the queue order)."""
    stmt: Select[Any] = select(InstructorApplication)
    if status is not None:
        stmt = stmt.where(InstructorApplication.status == status)
    return await paginate(
        session,
        stmt,
        order_by=[InstructorApplication.created_at.expression],
        tiebreaker=InstructorApplication.id.expression,
        request=request,
        with_total=with_total,
    )


# --- profiles ------------------------------------------------------------------------------------


async def profile_of(
    session: AsyncSession, user_id: uuid.UUID, *, for_update: bool = False
) -> InstructorProfile | None:
    stmt = select(InstructorProfile).where(InstructorProfile.user_id == user_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


def _public() -> Select[Any]:
    """Profiles shown to everyone: public, of an active account that is still a teacher."""
    return (
        select(InstructorProfile)
        .join(User, User.id == InstructorProfile.user_id)
        .where(
            InstructorProfile.is_public,
            User.is_active,
            User.deleted_at.is_(None),
            User.role.in_((UserRole.INSTRUCTOR, UserRole.ADMIN)),
        )
    )


async def public_profiles_by_user_ids(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> list[InstructorProfile | None]:
    rows = await session.scalars(_public().where(InstructorProfile.user_id.in_(user_ids)))
    return by_key(user_ids, [(p.user_id, p) for p in rows])


async def public_profiles_by_slugs(
    session: AsyncSession, slugs: Sequence[str]
) -> list[InstructorProfile | None]:
    rows = await session.scalars(_public().where(InstructorProfile.slug.in_(slugs)))
    return by_key(slugs, [(p.slug, p) for p in rows])


_STATS = text(
    f"SELECT u.id, st.course_count, st.student_count, st.review_count, st.rating "
    f"FROM unnest(CAST(:ids AS uuid[])) AS u(id) CROSS JOIN LATERAL ({stats_select('u.id')}) st"
).bindparams(bindparam("ids", type_=ARRAY(UUID(as_uuid=True))))


async def stats_by_user_ids(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> list[InstructorStats]:
    """What each user's page counts (see app.catalog.teaching_sql), in one statement."""
    rows = (await session.execute(_STATS, {"ids": list(user_ids)})).all()
    found = {row[0]: InstructorStats(row[1], row[2], row[3], row[4]) for row in rows}
    return [found.get(key, InstructorStats()) for key in user_ids]


# --- the courses an instructor teaches -----------------------------------------------------------

# (user id, page size, the decoded `after` cursor or None)
CoursesKey = tuple[uuid.UUID, int, tuple[Any, ...] | None]

_PAGE = text(
    f"SELECT u.id, c.id, c.published_at FROM unnest(CAST(:ids AS uuid[])) AS u(id) "
    f"CROSS JOIN LATERAL (SELECT t.id, t.published_at FROM {taught_courses('u.id')} t "
    "WHERE (CAST(:after_at AS timestamptz) IS NULL OR (t.published_at, t.id) < "
    "(CAST(:after_at AS timestamptz), CAST(:after_id AS uuid))) "
    "ORDER BY t.published_at DESC, t.id DESC LIMIT :limit) c"
).bindparams(bindparam("ids", type_=ARRAY(UUID(as_uuid=True))), bindparam("limit", type_=Integer()))


async def taught_course_pages(
    session: AsyncSession, keys: Sequence[CoursesKey]
) -> list[Page[uuid.UUID]]:
    """Per key, one page of the published courses the user teaches, newest publication first;
    one statement per distinct (size, cursor) — a page of instructors shares one."""
    pages: dict[CoursesKey, Page[uuid.UUID]] = {}
    for size, after in {(k[1], k[2]) for k in keys}:
        users = [k[0] for k in keys if (k[1], k[2]) == (size, after)]
        at, course = _after(after)
        rows = await session.execute(
            _PAGE,
            {"ids": users, "after_at": at, "after_id": course, "limit": size + 1},
        )
        found: dict[uuid.UUID, list[tuple[uuid.UUID, datetime]]] = {u: [] for u in users}
        for user_id, course_id, published_at in rows:
            found[user_id].append((course_id, published_at))
        for user_id, items in found.items():
            shown = items[:size]
            pages[(user_id, size, after)] = Page(
                [i for i, _ in shown],
                [encode_cursor((p, i)) for i, p in shown],
                len(items) > size,
                after is not None,
            )
    return [pages[key] for key in keys]


def _after(values: tuple[Any, ...] | None) -> tuple[datetime | None, uuid.UUID | None]:
    if values is None:
        return None, None
    if (
        len(values) != 2
        or not isinstance(values[0], datetime)
        or values[0].tzinfo is None
        or not isinstance(values[1], uuid.UUID)
    ):
        raise InvalidPageRequest("after", "`after` is not a cursor of this list")
    return values[0], values[1]


# --- teaching teams ------------------------------------------------------------------------------


async def teams_by_course_ids(
    session: AsyncSession, course_ids: Sequence[uuid.UUID]
) -> list[list[CourseInstructor]]:
    """Each course's co-instructors and teaching assistants, in the order they joined."""
    rows = await session.scalars(
        select(CourseInstructor)
        .where(CourseInstructor.course_id.in_(course_ids))
        .order_by(CourseInstructor.created_at, CourseInstructor.user_id)
    )
    return grouped(course_ids, [(r.course_id, r) for r in rows])


async def team_member(
    session: AsyncSession, course_id: uuid.UUID, user_id: uuid.UUID
) -> CourseInstructor | None:
    return await session.get(CourseInstructor, (course_id, user_id))


async def remove_team_member(
    session: AsyncSession, course_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    result = await session.execute(
        delete(CourseInstructor).where(
            CourseInstructor.course_id == course_id, CourseInstructor.user_id == user_id
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def role_on_course(
    session: AsyncSession, course_id: uuid.UUID, user_id: uuid.UUID
) -> CourseInstructorRole | None:
    role = await session.scalar(
        select(CourseInstructor.role).where(
            CourseInstructor.course_id == course_id, CourseInstructor.user_id == user_id
        )
    )
    return None if role is None else CourseInstructorRole(role)


async def courses_taught_by(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """Every course the user owns or co-teaches (any status), for cache invalidation."""
    owned = select(Course.id).where(Course.instructor_id == user_id)
    helped = select(CourseInstructor.course_id).where(CourseInstructor.user_id == user_id)
    return list(await session.scalars(owned.union(helped)))
