"""Resources: links or uploaded files attached to a course or to one of its lessons.

A resource is exactly one of an http(s) link or a finished upload of the author's for that use
(a course resource upload for a course, a lesson resource upload for a lesson). Only the
course's authors (owner, or admins) add or remove them; lesson resources are shown only to those
who may see the lesson's content (catalog visibility rules).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.catalog import repo
from app.catalog.errors import CatalogCode
from app.catalog.models import CourseResource, LessonResource
from app.catalog.rules import course_changed, course_for_author, text
from app.catalog.rules import url as checked_url
from app.errors import Common, FieldError, NotFound, UserFacingError, collect
from app.media import FilePurpose, claim_upload
from app.security.permissions import Actor

MAX_RESOURCES = 100


async def add_course_resource(
    session: AsyncSession,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    title: str,
    url: str | None = None,
    file_id: uuid.UUID | None = None,
) -> CourseResource:
    await course_for_author(session, actor, course_id)
    taken = await repo.count_course_resources(session, course_id)
    title_, link_ = await _clean(
        session, actor, title, url, file_id, taken, FilePurpose.COURSE_RESOURCE
    )
    row = CourseResource(
        course_id=course_id, title=title_, url=link_, file_asset_id=file_id, sort_order=taken
    )
    await db.add(session, row)
    await course_changed(session, course_id, "resources")
    return row


async def add_lesson_resource(
    session: AsyncSession,
    *,
    actor: Actor,
    lesson_id: uuid.UUID,
    title: str,
    url: str | None = None,
    file_id: uuid.UUID | None = None,
) -> LessonResource:
    lesson = await repo.get_lesson(session, lesson_id)
    if lesson is None:
        raise NotFound("Lesson")
    await course_for_author(session, actor, lesson.course_id)
    taken = await repo.count_lesson_resources(session, lesson_id)
    title_, link_ = await _clean(
        session, actor, title, url, file_id, taken, FilePurpose.LESSON_RESOURCE
    )
    row = LessonResource(
        lesson_id=lesson_id, title=title_, url=link_, file_asset_id=file_id, sort_order=taken
    )
    await db.add(session, row)
    await course_changed(session, lesson.course_id, "resources")
    return row


async def delete_resource(session: AsyncSession, *, actor: Actor, resource_id: uuid.UUID) -> None:
    """Removes a course or lesson resource (ids are unique across both kinds: UUIDv7)."""
    course_row = await repo.get_course_resource(session, resource_id)
    if course_row is not None:
        course_id = course_row.course_id
        await course_for_author(session, actor, course_id)
        await db.delete_row(session, course_row)
    else:
        lesson_row = await repo.get_lesson_resource(session, resource_id)
        lesson = await repo.get_lesson(session, lesson_row.lesson_id) if lesson_row else None
        if lesson_row is None or lesson is None:
            raise NotFound("Resource")
        course_id = lesson.course_id
        await course_for_author(session, actor, course_id)
        await db.delete_row(session, lesson_row)
    await course_changed(session, course_id, "resources")


async def _clean(
    session: AsyncSession,
    actor: Actor,
    title: str,
    link: str | None,
    file_id: uuid.UUID | None,
    taken: int,
    purpose: FilePurpose,
) -> tuple[str, str | None]:
    errors: list[FieldError] = []
    title_ = text(errors, "title", title, max_length=220)
    link_ = checked_url(errors, "url", link)
    if (link_ is None) == (file_id is None):
        errors.append(
            FieldError(None, "Give either a link or an upload, not both", CatalogCode.URL_OR_FILE)
        )
    elif file_id is not None:
        try:
            await claim_upload(
                session, owner_id=actor.id, file_id=file_id, purpose=purpose, field="file_id"
            )
        except UserFacingError as exc:
            errors.extend(exc.errors)
    if taken >= MAX_RESOURCES:
        errors.append(FieldError(None, f"At most {MAX_RESOURCES} resources", Common.TOO_MANY))
    collect(errors)
    assert title_ is not None
    return title_, link_
