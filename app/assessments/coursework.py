"""Rules every assessment shares: who teaches a course, the course of a lesson, file attachments
finalized through the media service, the accepted file types, score percentages."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app import catalog
from app.assessments.errors import AssessmentsCode
from app.catalog.models import Course, CourseInstructorRole, CourseStatus, Lesson
from app.errors import Common, FieldError, Forbidden, Invalid, NotFound, UserFacingError, collect
from app.integrations.storage import Storage
from app.media import service as media
from app.media.models import FileAsset, FilePurpose
from app.media.rules import TEXT_TYPES, UPLOAD_RULES, normalise_type
from app.security.permissions import Actor, Permission, has_permission, scope_allows

MAX_FILES = 10
MB = 1024 * 1024
_CENT = Decimal("0.01")


# --- teachers ------------------------------------------------------------------------------------


async def is_teacher(
    session: AsyncSession, actor: Actor, course: Course, *, grading: bool = False
) -> bool:
    """Admins (who manage every course); the owner and co-instructors (while instructors);
    for `grading` (grading, the queue, the gradebook) also teaching assistants, whatever their
    role — but never with an API key without the grades scope."""
    if has_permission(actor, Permission.COURSES_MANAGE):
        return True
    if course.instructor_id == actor.id:
        return has_permission(actor, Permission.GRADES_MANAGE)
    role = await catalog.teaching_role(session, course_id=course.id, user_id=actor.id)
    if role == CourseInstructorRole.CO_INSTRUCTOR:
        return has_permission(actor, Permission.GRADES_MANAGE)
    return (
        grading
        and role == CourseInstructorRole.TEACHING_ASSISTANT
        and scope_allows(actor, Permission.GRADES_MANAGE)
    )


async def require_teacher(
    session: AsyncSession, actor: Actor, course: Course, *, grading: bool = False
) -> None:
    """FORBIDDEN for anyone else where the course is public anyway or the caller is on its
    teaching team; NOT_FOUND where saying "forbidden" would reveal a course the caller may not
    see (SPEC §2)."""
    if await is_teacher(session, actor, course, grading=grading):
        return
    member = await catalog.teaching_role(session, course_id=course.id, user_id=actor.id)
    if course.status == CourseStatus.PUBLISHED or member is not None:
        raise Forbidden("Only the course's instructors or admins may do this")
    raise NotFound("Course")


async def course_of(session: AsyncSession, course_id: uuid.UUID, *, lock: bool = False) -> Course:
    course = await catalog.get_course(session, course_id, for_update=lock)
    if course is None:
        raise NotFound("Course")
    return course


async def lesson_of(session: AsyncSession, lesson_id: uuid.UUID, what: str = "Lesson") -> Lesson:
    lesson = await catalog.get_lesson(session, lesson_id)
    if lesson is None:  # a lesson removed concurrently takes its assessments with it (CASCADE)
        raise NotFound(what)
    return lesson


async def teacher_course(
    session: AsyncSession,
    actor: Actor,
    course_id: uuid.UUID,
    *,
    lock: bool = False,
    grading: bool = False,
) -> Course:
    """The course, once the actor is one of its teachers (`lock`: row-locked for authoring;
    `grading`: teaching assistants count too)."""
    course = await course_of(session, course_id, lock=lock)
    await require_teacher(session, actor, course, grading=grading)
    return course


def percentage(points: Decimal, possible: int | Decimal) -> Decimal:
    value = points * 100 / Decimal(possible)
    return min(Decimal(100), max(Decimal(0), value)).quantize(_CENT, ROUND_HALF_UP)


# --- files ---------------------------------------------------------------------------------------


async def attach_files(
    session: AsyncSession,
    storage: Storage,
    *,
    owner_id: uuid.UUID,
    file_ids: Sequence[uuid.UUID],
    purpose: FilePurpose,
    allowed_types: list[str] | None,
    max_size: int,
) -> list[FileAsset]:
    """Finalize every uploaded file (existence, size, sniffed type); all or nothing. Problems are
    reported at `file_ids[i]`."""
    if len(file_ids) > MAX_FILES:
        raise Invalid("file_ids", f"At most {MAX_FILES} files", Common.TOO_MANY)
    assets: list[FileAsset] = []
    for i, file_id in enumerate(file_ids):
        field = f"file_ids[{i}]"
        if file_id in file_ids[:i]:
            raise Invalid(field, "This file is listed twice", AssessmentsCode.DUPLICATE)
        try:
            asset = await media.finalize_upload(
                session,
                storage,
                owner_id=owner_id,
                file_asset_id=file_id,
                allowed_types=allowed_types,
                max_size=max_size,
            )
        except NotFound as exc:
            raise _unknown_file(field) from exc
        except UserFacingError as exc:
            raise UserFacingError(
                [FieldError(field, e.message, e.code) for e in exc.errors]
            ) from exc
        if asset.purpose != purpose:
            raise _unknown_file(field)
        assets.append(asset)
    return assets


def _unknown_file(field: str) -> Invalid:
    return Invalid(field, "No upload of yours for this has this id", Common.FILE_NOT_FOUND)


SUBMISSION_TYPES = UPLOAD_RULES[FilePurpose.ASSIGNMENT_SUBMISSION].types


def _mime_of(value: str) -> str | None:
    if "/" in value:
        return normalise_type(value)
    return TEXT_TYPES.get(value) or mimetypes.types_map.get(f".{value}")


def normalise_file_types(values: Sequence[str], field: str = "allowed_file_types") -> list[str]:
    """Extensions become `pdf` (lower case, no dot); MIME types stay `type/subtype`. Each must
    name a type assignment uploads accept at all (SUBMISSION_TYPES)."""
    out: list[str] = []
    errors: list[FieldError] = []
    for i, raw in enumerate(values):
        value = raw.strip().lower()
        value = value if "/" in value else value.lstrip(".")
        if _mime_of(value) not in SUBMISSION_TYPES:
            errors.append(
                FieldError(f"{field}[{i}]", f"Not an accepted file type: {raw!r}", Common.INVALID)
            )
        elif value not in out:
            out.append(value)
    collect(errors)
    return out


def allowed_mime_types(file_types: Sequence[str]) -> list[str] | None:
    """The MIME types the media service accepts for these settings (None: any it takes)."""
    if not file_types:
        return None
    return sorted({mime for mime in map(_mime_of, file_types) if mime is not None})
