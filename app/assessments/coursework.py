"""Coursework rules shared by assignments, exams and the gradebook: who teaches a course, file
attachments finalized through the media service, the accepted file types, score percentages."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import catalog
from app.assessments.models import AssignmentSubmissionFile, ExamSubmissionFile
from app.catalog.models import Course
from app.errors import FieldError, Forbidden, Invalid, NotFound, collect
from app.integrations.storage import Storage
from app.learning import service as learning
from app.media import service as media
from app.media.models import FileAsset, FilePurpose
from app.media.rules import TEXT_TYPES, UPLOAD_RULES, normalise_type
from app.security.permissions import Actor, Permission, has_permission

MAX_FILES = 10
MB = 1024 * 1024
_CENT = Decimal("0.01")


# --- teachers ---------------------------------------------------------


async def require_teacher(session: AsyncSession, actor: Actor, course_id: uuid.UUID) -> None:
    """Admins (who manage every course) or the course's own teachers; FORBIDDEN otherwise."""
    if has_permission(actor, Permission.COURSES_MANAGE):
        return
    if has_permission(actor, Permission.GRADES_MANAGE) and await learning.is_teacher_of(
        session, user_id=actor.id, course_id=course_id
    ):
        return
    raise Forbidden("Only the course's instructors or admins may do this")


async def is_teacher(session: AsyncSession, user: Actor, course_id: uuid.UUID) -> bool:
    try:
        await require_teacher(session, user, course_id)
    except Forbidden:
        return False
    return True


async def course_of(session: AsyncSession, course_id: uuid.UUID) -> Course:
    course = await catalog.get_course(session, course_id)
    if course is None:
        raise NotFound("Course")
    return course


def percentage(points: Decimal, possible: int | Decimal) -> Decimal:
    value = points * 100 / Decimal(possible)
    return min(Decimal(100), max(Decimal(0), value)).quantize(_CENT, ROUND_HALF_UP)


async def attach_files(
    session: AsyncSession,
    storage: Storage,
    *,
    owner_id: uuid.UUID,
    file_asset_ids: Sequence[uuid.UUID],
    purpose: FilePurpose,
    allowed_types: list[str] | None,
    max_size: int,
) -> list[FileAsset]:
    """Finalize every uploaded file (existence, size, sniffed type); all or nothing."""
    if len(file_asset_ids) > MAX_FILES:
        raise Invalid("fileAssetIds", f"At most {MAX_FILES} files", "TOO_MANY_FILES")
    if len(set(file_asset_ids)) != len(file_asset_ids):
        raise Invalid("fileAssetIds", "A file is listed twice", "DUPLICATE_FILE")
    assets: list[FileAsset] = []
    for asset_id in file_asset_ids:
        asset = await session.get(FileAsset, asset_id)
        if asset is None or asset.owner_id != owner_id or asset.purpose != purpose:
            raise Invalid("fileAssetIds", "Unknown file", "FILE_NOT_FOUND")
        assets.append(
            await media.finalize_upload(
                session,
                storage,
                owner_id=owner_id,
                file_asset_id=asset_id,
                allowed_types=allowed_types,
                max_size=max_size,
            )
        )
    return assets


# --- file types ----------------------------------------------------------------------------------

SUBMISSION_TYPES = UPLOAD_RULES[FilePurpose.ASSIGNMENT_SUBMISSION].types


def _mime_of(value: str) -> str | None:
    if "/" in value:
        return normalise_type(value)
    return TEXT_TYPES.get(value) or mimetypes.types_map.get(f".{value}")


def normalise_file_types(values: Sequence[str]) -> list[str]:
    """Extensions become `pdf` (lower case, no dot); MIME types stay `type/subtype`. Each must
    name a type assignment uploads accept at all (SUBMISSION_TYPES)."""
    out: list[str] = []
    errors: list[FieldError] = []
    for raw in values:
        value = raw.strip().lower()
        value = value if "/" in value else value.lstrip(".")
        if _mime_of(value) not in SUBMISSION_TYPES:
            errors.append(
                FieldError("allowedFileTypes", f"Not an accepted file type: {raw!r}", "INVALID")
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


async def files_of(
    session: AsyncSession, submission_ids: Sequence[uuid.UUID], *, exam: bool = False
) -> list[list[Any]]:
    """The files of each submission, in key order (one statement)."""
    model: Any = ExamSubmissionFile if exam else AssignmentSubmissionFile
    rows = await session.scalars(
        select(model).where(model.submission_id.in_(submission_ids)).order_by(model.created_at)
    )
    grouped: dict[uuid.UUID, list[Any]] = {key: [] for key in submission_ids}
    for row in rows:
        grouped[row.submission_id].append(row)
    return [grouped[key] for key in submission_ids]
