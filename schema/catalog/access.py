"""The viewer of catalog data and what they may see (rules in `app.catalog.visibility`).

The viewer's enrollments and co-taught courses are read once per request through the
`access` loader, and only when a rule depends on them (published courses, preview lessons,
anonymous callers, owners and admins need no read).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.catalog import models, visibility
from app.catalog.visibility import NO_ACCESS, CourseAccess
from app.security.permissions import Actor
from schema.core.auth import viewer_of
from schema.core.context import Info


async def access_of(info: Info, viewer: Actor | None) -> CourseAccess:
    if viewer is None:
        return NO_ACCESS
    return await info.context.loaders.catalog.access.load(viewer.id)


async def visible_courses(
    info: Info, courses: Sequence[models.Course | None]
) -> list[models.Course | None]:
    """`courses` with the ones the viewer may not see replaced by None."""
    if all(c is None or c.status == models.CourseStatus.PUBLISHED for c in courses):
        return list(courses)
    viewer = await viewer_of(info)
    needs = any(c is not None and visibility.needs_access_for_course(viewer, c) for c in courses)
    access = await access_of(info, viewer) if needs else NO_ACCESS
    return [
        c if c is not None and visibility.can_see_course(viewer, c, access) else None
        for c in courses
    ]


async def sees_content(info: Info, course: models.Course, lesson: models.Lesson) -> bool:
    """Whether the viewer may read the content of `lesson` (of a course they can see)."""
    if lesson.is_preview:
        return True
    viewer = await viewer_of(info)
    if viewer is None:
        return False
    needs = visibility.needs_access_for_content(viewer, course, lesson)
    access = await access_of(info, viewer) if needs else NO_ACCESS
    return visibility.can_see_content(viewer, course, lesson, access)


async def sees_course_materials(info: Info, course: models.Course) -> bool:
    """Course-wide resources: like the content of a lesson that is not a preview."""
    viewer = await viewer_of(info)
    if viewer is None:
        return False
    access = await access_of(info, viewer)
    return visibility.teaches(viewer, course, access) or course.id in access.enrolled


async def teaches_course(info: Info, course: models.Course) -> bool:
    viewer = await viewer_of(info)
    if viewer is None:
        return False
    if course.instructor_id == viewer.id or visibility.manages_courses(viewer):
        return True
    return course.id in (await access_of(info, viewer)).teaching
