"""Catalog queries: one course, the course list, categories and an instructor's own courses.

Students and anonymous callers see published courses only; a course they may not see is null
(never FORBIDDEN). The list is validated (filter and page arguments) before any SQL runs; its
`totalCount` is counted only when selected.
"""

from __future__ import annotations

import strawberry

from app.catalog import reads
from app.catalog.filters import validate_filter
from app.catalog.models import Course as CourseModel
from app.catalog.models import CourseStatus as CourseStatusModel
from app.catalog.visibility import manages_courses
from app.errors import Forbidden, Unauthenticated
from app.pagination import Page, PageRequest
from schema.catalog.access import viewer_of, visible_courses
from schema.catalog.types import (
    Category,
    Course,
    CourseFilter,
    CourseSort,
    CourseStatus,
)
from schema.core.context import Info
from schema.core.mutation import graphql_error
from schema.core.relay import NOWHERE, BadUserInput, Connection, decode_uuid, selects_total_count


async def _course_by(info: Info, id: strawberry.ID | None, slug: str | None) -> Course | None:
    if (id is None) == (slug is None):
        raise BadUserInput("Pass exactly one of `id` and `slug`")
    loaders = info.context.loaders.catalog
    if id is not None:
        found = await loaders.courses.load(decode_uuid(id) or NOWHERE)
    else:
        found = await loaders.courses_by_slug.load((slug or "").strip().lower())
    visible = (await visible_courses(info, [found]))[0]
    return Course.from_model(visible) if visible is not None else None


def _connection(info: Info, page: Page[CourseModel]) -> Connection[Course]:
    info.context.loaders.catalog.prime_courses(page.items)
    return Connection[Course].from_page(page, Course.from_model)


@strawberry.type
class Query:
    @strawberry.field(description="A course by id or by slug (exactly one); null if hidden.")
    async def course(
        self, info: Info, id: strawberry.ID | None = None, slug: str | None = None
    ) -> Course | None:
        return await _course_by(info, id, slug)

    @strawberry.field(description="Published courses, filtered and sorted, a page at a time.")
    async def courses(
        self,
        info: Info,
        filter: CourseFilter | None = None,
        sort: CourseSort = CourseSort.POPULARITY,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Course]:
        args = filter.to_args() if filter is not None else None
        if args is not None:
            validate_filter(args)
        request = PageRequest.create(first=first, after=after, last=last, before=before)
        async with info.context.db.session() as session:
            page = await reads.list_courses(
                session,
                filter_args=args,
                sort=sort.value,
                request=request,
                with_total=selects_total_count(info),
            )
        return _connection(info, page)

    @strawberry.field(description="Categories by position then name; inactive ones for admins.")
    async def categories(self, info: Info, include_inactive: bool = False) -> list[Category]:
        if include_inactive and not manages_courses(await viewer_of(info)):
            raise graphql_error(Forbidden("Only admins see inactive categories"))
        async with info.context.db.session() as session:
            rows = await reads.list_categories(session, active_only=not include_inactive)
        return [Category.from_model(c) for c in rows]

    @strawberry.field(description="Your own courses, drafts included, most recent first.")
    async def my_courses(
        self,
        info: Info,
        status: CourseStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Course]:
        viewer = await viewer_of(info)
        if viewer is None:
            raise graphql_error(Unauthenticated())
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await reads.list_courses(
                session,
                sort="newest",
                request=request,
                published_only=False,
                instructor_id=viewer.id,
                status=CourseStatusModel(status) if status is not None else None,
                with_total=selects_total_count(info),
            )
        return _connection(info, page)
