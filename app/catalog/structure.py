"""Modules and lessons of a course: add, edit, delete, reorder.

Order numbers stay unique and gapless (1..n) per parent after every change (Properties 13, 15);
the course row is locked first so concurrent edits of one course run one at a time. Lesson types
need (Property 14): video — an existing video asset (processing may still run; publishing
needs it ready); text — non-blank content text; quiz — nothing up front (its quiz and questions
are attached to the lesson afterwards by the assessments domain); assignment — a non-blank
`description` telling students what to hand in (the graded assignment is attached afterwards).
A video asset on a non-video lesson is rejected rather than silently kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app import db, media
from app.catalog import repo
from app.catalog.errors import CatalogCode
from app.catalog.models import CourseModule, Lesson, LessonType
from app.catalog.rules import UNSET, Unset, course_changed, course_for_author, text, url
from app.errors import Common, FieldError, Invalid, NotFound, collect
from app.security.permissions import Actor

MAX_MODULES = 200
_T = TypeVar("_T")
_R = TypeVar("_R", CourseModule, Lesson)
MAX_LESSONS_PER_MODULE = 200


# --- modules -----------------------------------------------------------------------------------


async def add_module(
    session: AsyncSession,
    *,
    actor: Actor,
    course_id: uuid.UUID,
    title: str,
    description: str | None = None,
    prerequisite_module_id: uuid.UUID | None = None,
) -> CourseModule:
    """Appended with the next free order number."""
    await course_for_author(session, actor, course_id)
    modules = (await repo.modules_by_course_ids(session, [course_id]))[0]
    errors: list[FieldError] = []
    clean_title = text(errors, "title", title, max_length=220)
    clean_description = text(errors, "description", description, max_length=5000, required=False)
    if len(modules) >= MAX_MODULES:
        errors.append(FieldError(None, f"At most {MAX_MODULES} modules", Common.TOO_MANY))
    if prerequisite_module_id is not None and prerequisite_module_id not in {m.id for m in modules}:
        errors.append(_foreign_prerequisite())
    collect(errors)
    module = CourseModule(
        course_id=course_id,
        title=clean_title,
        description=clean_description,
        order_number=len(modules) + 1,
        prerequisite_module_id=prerequisite_module_id,
    )
    await db.add(session, module)
    await course_changed(session, course_id, "structure")
    return module


async def update_module(
    session: AsyncSession,
    *,
    actor: Actor,
    module_id: uuid.UUID,
    title: str | Unset = UNSET,
    description: str | Unset | None = UNSET,
    prerequisite_module_id: uuid.UUID | Unset | None = UNSET,
) -> CourseModule:
    """The prerequisite must be another module of the same course and must not close a cycle."""
    module = await _module_for_author(session, actor, module_id)
    errors: list[FieldError] = []
    if not isinstance(title, Unset):
        module_title = text(errors, "title", title, max_length=220)
    if not isinstance(description, Unset):
        module_description = text(
            errors, "description", description, max_length=5000, required=False
        )
    if isinstance(prerequisite_module_id, uuid.UUID):
        modules = (await repo.modules_by_course_ids(session, [module.course_id]))[0]
        prerequisites = {m.id: m.prerequisite_module_id for m in modules}
        if prerequisite_module_id not in prerequisites:
            errors.append(_foreign_prerequisite())
        elif _reaches(prerequisites, prerequisite_module_id, module.id):
            errors.append(
                FieldError(
                    "prerequisite_module_id",
                    "This prerequisite would make modules depend on each other in a circle",
                    CatalogCode.PREREQUISITE_CYCLE,
                )
            )
    collect(errors)
    if not isinstance(title, Unset):
        module.title = module_title  # type: ignore[assignment]
    if not isinstance(description, Unset):
        module.description = module_description
    if not isinstance(prerequisite_module_id, Unset):
        module.prerequisite_module_id = prerequisite_module_id
    await db.save(session, module)
    await course_changed(session, module.course_id, "structure")
    return module


async def delete_module(session: AsyncSession, *, actor: Actor, module_id: uuid.UUID) -> None:
    """Removes the module with its lessons; the remaining modules are renumbered 1..n."""
    module = await _module_for_author(session, actor, module_id)
    course_id = module.course_id
    await db.delete_row(session, module)
    remaining = (await repo.modules_by_course_ids(session, [course_id]))[0]
    await repo.renumber(session, remaining)
    await course_changed(session, course_id, "structure")


async def reorder_modules(
    session: AsyncSession, *, actor: Actor, course_id: uuid.UUID, module_ids: Sequence[uuid.UUID]
) -> list[CourseModule]:
    """`module_ids` is every module of the course exactly once, in the new order."""
    await course_for_author(session, actor, course_id)
    modules = (await repo.modules_by_course_ids(session, [course_id]))[0]
    ordered = _in_requested_order(modules, module_ids, "module_ids")
    await repo.renumber(session, ordered)
    await course_changed(session, course_id, "structure")
    return ordered


# --- lessons -----------------------------------------------------------------------------------


async def add_lesson(
    session: AsyncSession,
    *,
    actor: Actor,
    module_id: uuid.UUID,
    type: LessonType,
    title: str,
    description: str | None = None,
    content_text: str | None = None,
    content_url: str | None = None,
    video_asset_id: uuid.UUID | None = None,
    video_file_id: uuid.UUID | None = None,
    duration_minutes: int = 0,
    is_preview: bool = False,
) -> Lesson:
    """Appended to the module with the next free order number. A video lesson takes either a
    finished VIDEO upload of the caller (`video_file_id`: its video is created and queued for
    transcoding if it is not yet) or an existing video (`video_asset_id`)."""
    module = await _module_for_author(session, actor, module_id)
    if video_file_id is not None:
        video_asset_id = await _video_of_upload(session, actor, video_file_id, video_asset_id)
    lessons = (await repo.lessons_by_module_ids(session, [module_id]))[0]
    lesson = Lesson(
        module_id=module_id,
        course_id=module.course_id,
        type=type,
        order_number=len(lessons) + 1,
        is_preview=is_preview,
    )
    errors = await _apply_lesson_fields(
        session,
        lesson,
        title=title,
        description=description,
        content_text=content_text,
        content_url=content_url,
        video_asset_id=video_asset_id,
        duration_minutes=duration_minutes,
    )
    if len(lessons) >= MAX_LESSONS_PER_MODULE:
        errors.append(
            FieldError(None, f"At most {MAX_LESSONS_PER_MODULE} lessons", Common.TOO_MANY)
        )
    collect(errors)
    await db.add(session, lesson)
    await course_changed(session, module.course_id, "structure")
    return lesson


async def update_lesson(
    session: AsyncSession,
    *,
    actor: Actor,
    lesson_id: uuid.UUID,
    type: LessonType | Unset = UNSET,
    title: str | Unset = UNSET,
    description: str | Unset | None = UNSET,
    content_text: str | Unset | None = UNSET,
    content_url: str | Unset | None = UNSET,
    video_asset_id: uuid.UUID | Unset | None = UNSET,
    video_file_id: uuid.UUID | Unset | None = UNSET,
    duration_minutes: int | Unset = UNSET,
    is_preview: bool | Unset = UNSET,
) -> Lesson:
    """The lesson after the change must satisfy its type's rules, as on creation."""
    lesson = await _lesson_for_author(session, actor, lesson_id)
    if isinstance(video_file_id, uuid.UUID):
        given = None if isinstance(video_asset_id, Unset) else video_asset_id
        video_asset_id = await _video_of_upload(session, actor, video_file_id, given)
    draft = Lesson(
        type=lesson.type if isinstance(type, Unset) else type,
        is_preview=lesson.is_preview if isinstance(is_preview, Unset) else is_preview,
    )
    errors = await _apply_lesson_fields(
        session,
        draft,
        title=_given(title, lesson.title),
        description=_given(description, lesson.description),
        content_text=_given(content_text, lesson.content_text),
        content_url=_given(content_url, lesson.content_url),
        video_asset_id=_given(video_asset_id, lesson.video_asset_id),
        duration_minutes=_given(duration_minutes, lesson.duration_minutes),
    )
    collect(errors)
    for name in (
        "type",
        "is_preview",
        "title",
        "description",
        "content_text",
        "content_url",
        "video_asset_id",
        "duration_minutes",
    ):
        setattr(lesson, name, getattr(draft, name))
    await db.save(session, lesson)
    await course_changed(session, lesson.course_id, "structure")
    return lesson


async def delete_lesson(session: AsyncSession, *, actor: Actor, lesson_id: uuid.UUID) -> None:
    """Removes the lesson (with its quiz or assignment); the rest of the module is renumbered."""
    lesson = await _lesson_for_author(session, actor, lesson_id)
    module_id, course_id = lesson.module_id, lesson.course_id
    await db.delete_row(session, lesson)
    remaining = (await repo.lessons_by_module_ids(session, [module_id]))[0]
    await repo.renumber(session, remaining)
    await course_changed(session, course_id, "structure")


async def reorder_lessons(
    session: AsyncSession, *, actor: Actor, module_id: uuid.UUID, lesson_ids: Sequence[uuid.UUID]
) -> list[Lesson]:
    """`lesson_ids` is every lesson of the module exactly once, in the new order."""
    module = await _module_for_author(session, actor, module_id)
    lessons = (await repo.lessons_by_module_ids(session, [module_id]))[0]
    ordered = _in_requested_order(lessons, lesson_ids, "lesson_ids")
    await repo.renumber(session, ordered)
    await course_changed(session, module.course_id, "structure")
    return ordered


# --- helpers -----------------------------------------------------------------------------------


async def _apply_lesson_fields(
    session: AsyncSession,
    lesson: Lesson,
    *,
    title: str | None,
    description: str | None,
    content_text: str | None,
    content_url: str | None,
    video_asset_id: uuid.UUID | None,
    duration_minutes: int,
) -> list[FieldError]:
    """Validate and set the content fields on `lesson` (not yet flushed); returns the errors."""
    errors: list[FieldError] = []
    lesson.title = text(errors, "title", title, max_length=220)  # type: ignore[assignment]
    assignment = lesson.type == LessonType.ASSIGNMENT
    lesson.description = text(
        errors, "description", description, max_length=10_000, required=assignment
    )
    lesson.content_text = text(
        errors,
        "content_text",
        content_text,
        max_length=200_000,
        required=lesson.type == LessonType.TEXT,
    )
    lesson.content_url = url(errors, "content_url", content_url)
    lesson.video_asset_id = video_asset_id
    lesson.duration_minutes = duration_minutes
    if not 0 <= duration_minutes <= 10_000:
        errors.append(FieldError("duration_minutes", "Use 0 to 10000 minutes", Common.OUT_OF_RANGE))
    if lesson.type == LessonType.VIDEO:
        if video_asset_id is None:
            errors.append(
                FieldError(
                    "video_asset_id", "A video lesson needs a video", CatalogCode.VIDEO_REQUIRED
                )
            )
        elif video_asset_id not in await media.video_statuses(session, [video_asset_id]):
            errors.append(
                FieldError("video_asset_id", "Unknown video", CatalogCode.VIDEO_NOT_FOUND)
            )
    elif video_asset_id is not None:
        errors.append(
            FieldError(
                "video_asset_id", "Only video lessons have a video", CatalogCode.VIDEO_NOT_ALLOWED
            )
        )
    return errors


async def _video_of_upload(
    session: AsyncSession, actor: Actor, file_id: uuid.UUID, video_asset_id: uuid.UUID | None
) -> uuid.UUID:
    if video_asset_id is not None:
        raise Invalid("video_file_id", "Give either an upload or a video, not both", Common.INVALID)
    return await media.attach_video_upload(
        session, owner_id=actor.id, file_id=file_id, field="video_file_id"
    )


def _given(value: _T | Unset, current: _T) -> _T:
    return current if isinstance(value, Unset) else value


def _foreign_prerequisite() -> FieldError:
    return FieldError(
        "prerequisite_module_id",
        "Choose another module of this course",
        CatalogCode.INVALID_PREREQUISITE,
    )


def _reaches(
    prerequisites: dict[uuid.UUID, uuid.UUID | None], start: uuid.UUID, target: uuid.UUID
) -> bool:
    """Whether following prerequisites from `start` arrives at `target` (or loops)."""
    seen: set[uuid.UUID] = set()
    current: uuid.UUID | None = start
    while current is not None and current not in seen:
        if current == target:
            return True
        seen.add(current)
        current = prerequisites.get(current)
    return current is not None


def _in_requested_order(rows: Sequence[_R], ids: Sequence[uuid.UUID], field: str) -> list[_R]:
    by_id = {row.id: row for row in rows}
    errors: list[FieldError] = []
    if len(set(ids)) != len(ids):
        errors.append(FieldError(field, "Each item may appear only once", CatalogCode.DUPLICATE_ID))
    if set(ids) - by_id.keys():
        errors.append(FieldError(field, "Some items do not belong here", CatalogCode.FOREIGN_ID))
    if by_id.keys() - set(ids):
        errors.append(FieldError(field, "Every item must be listed", CatalogCode.MISSING_ID))
    collect(errors)
    return [by_id[i] for i in ids]


async def _module_for_author(
    session: AsyncSession, actor: Actor, module_id: uuid.UUID
) -> CourseModule:
    module = await repo.get_module(session, module_id)
    if module is None:
        raise NotFound("Module")
    await course_for_author(session, actor, module.course_id)
    return module


async def _lesson_for_author(session: AsyncSession, actor: Actor, lesson_id: uuid.UUID) -> Lesson:
    lesson = await repo.get_lesson(session, lesson_id)
    if lesson is None:
        raise NotFound("Lesson")
    await course_for_author(session, actor, lesson.course_id)
    return lesson


__all__ = [
    "add_lesson",
    "add_module",
    "delete_lesson",
    "delete_module",
    "reorder_lessons",
    "reorder_modules",
    "update_lesson",
    "update_module",
]
