"""Resources: links or uploaded files attached to a course or to one of its lessons.

A resource is exactly one of an http(s) link or a finalized upload the author owns (purpose
`lesson_resource`). Only the course's authors (owner, or admins) add or remove them; lesson
resources are shown only to those who may see the lesson's content (catalog visibility rules).
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.catalog import repo
from app.catalog.models import CourseResource, LessonResource
from app.catalog.rules import course_changed, course_for_author, text
from app.catalog.rules import url as checked_url
from app.db import Base
from app.errors import FieldError, NotFound, collect
from app.media.models import FileAsset, FileStatus
from app.security.permissions import Actor

MAX_RESOURCES = 100
_USABLE = (FileStatus.UPLOADED, FileStatus.READY)


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
    taken = await _count(session, CourseResource, CourseResource.course_id == course_id)
    title_, link_ = await _clean(session, actor, title, url, file_id, taken)
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
    taken = await _count(session, LessonResource, LessonResource.lesson_id == lesson_id)
    title_, link_ = await _clean(session, actor, title, url, file_id, taken)
    row = LessonResource(
        lesson_id=lesson_id, title=title_, url=link_, file_asset_id=file_id, sort_order=taken
    )
    await db.add(session, row)
    await course_changed(session, lesson.course_id, "resources")
    return row


async def delete_resource(session: AsyncSession, *, actor: Actor, resource_id: uuid.UUID) -> None:
    """Removes a course or lesson resource (ids are unique across both kinds: UUIDv7)."""
    course_row = await session.get(CourseResource, resource_id)
    if course_row is not None:
        course_id = course_row.course_id
        await course_for_author(session, actor, course_id)
        await db.delete_row(session, course_row)
    else:
        lesson_row = await session.get(LessonResource, resource_id)
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
    file_asset_id: uuid.UUID | None,
    taken: int,
) -> tuple[str, str | None]:
    errors: list[FieldError] = []
    title_ = text(errors, "title", title, max_length=220)
    link_ = checked_url(errors, "url", link)
    if (link_ is None) == (file_asset_id is None):
        errors.append(FieldError(None, "Give either a url or a fileId", "URL_OR_FILE"))
    elif file_asset_id is not None and not await _usable_upload(session, actor, file_asset_id):
        errors.append(
            FieldError("fileId", "No finished upload of yours has this id", "FILE_NOT_FOUND")
        )
    if taken >= MAX_RESOURCES:
        errors.append(FieldError(None, f"At most {MAX_RESOURCES} resources", "TOO_MANY"))
    collect(errors)
    assert title_ is not None
    return title_, link_


async def _usable_upload(session: AsyncSession, actor: Actor, file_asset_id: uuid.UUID) -> bool:
    asset = await session.get(FileAsset, file_asset_id)
    return (
        asset is not None
        and asset.owner_id == actor.id
        and asset.status in _USABLE
        and asset.deleted_at is None
    )


async def _count(session: AsyncSession, model: type[Base], where: ColumnElement[bool]) -> int:
    stmt = select(func.count()).select_from(model).where(where)
    return int(await session.scalar(stmt) or 0)
