"""Reading the catalog: the course lists and categories as a caller may see them, and the lookups
other domains and the seed use. Read-only; every function takes a session.

Students and anonymous callers list published courses only; an instructor lists their own
courses in any status; inactive categories are for course managers (admins).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import repo
from app.catalog.filters import CourseFilterArgs, validate_filter
from app.catalog.models import Category, Course, CourseModule, CourseStatus
from app.catalog.visibility import manages_courses
from app.db import Database
from app.errors import Forbidden
from app.pagination import Page, PageRequest
from app.security.permissions import Actor, Permission, require_permission


async def list_courses(
    session: AsyncSession,
    *,
    filter_args: CourseFilterArgs | None = None,
    sort: str = "popularity",
    request: PageRequest,
    with_total: bool = False,
) -> Page[Course]:
    """One page of published courses matching the filter (refused before any SQL when bad)."""
    if filter_args is not None:
        validate_filter(filter_args)
    return await repo.list_courses(
        session, filter_args=filter_args, sort=sort, request=request, with_total=with_total
    )


async def list_course_ids(
    db: Database,
    *,
    filter_args: CourseFilterArgs | None = None,
    sort: str = "popularity",
    request: PageRequest,
    with_total: bool = False,
) -> Page[uuid.UUID]:
    """`list_courses` as a page of ids, straight through the driver (the planned catalogue read:
    it writes the courses itself); refused before any SQL when the filter is bad."""
    if filter_args is not None:
        validate_filter(filter_args)
    return await repo.list_published_ids(
        db, filter_args=filter_args, sort=sort, request=request, with_total=with_total
    )


async def my_courses(
    session: AsyncSession,
    *,
    actor: Actor,
    status: CourseStatus | None = None,
    request: PageRequest,
    with_total: bool = False,
) -> Page[Course]:
    """The actor's own courses, drafts included, most recent first."""
    return await repo.list_courses(
        session,
        sort="newest",
        request=request,
        published_only=False,
        instructor_id=actor.id,
        status=status,
        with_total=with_total,
    )


async def courses_pending_review(
    session: AsyncSession, *, actor: Actor, request: PageRequest, with_total: bool = False
) -> Page[Course]:
    """The review queue (reviewers: admins): courses in pending_review, oldest submission
    first; FORBIDDEN for anyone else."""
    require_permission(actor, Permission.COURSES_REVIEW)
    return await repo.list_pending_review(session, request=request, with_total=with_total)


async def list_categories(
    session: AsyncSession, *, viewer: Actor | None, include_inactive: bool = False
) -> list[Category]:
    """Categories by position then name; inactive ones only for course managers."""
    if include_inactive and not manages_courses(viewer):
        raise Forbidden("Only admins see inactive categories")
    return await repo.list_categories(session, active_only=not include_inactive)


async def courses_by_slugs(session: AsyncSession, slugs: Sequence[str]) -> list[Course | None]:
    """Courses (in any status) by slug, in order; None where there is none."""
    return await repo.courses_by_slugs(session, slugs)


async def modules_of_course(session: AsyncSession, course_id: uuid.UUID) -> list[CourseModule]:
    """The course's modules in order."""
    return (await repo.modules_by_course_ids(session, [course_id]))[0]


async def category_id_by_name(session: AsyncSession, name: str) -> uuid.UUID | None:
    return await repo.category_with(session, name=name)
