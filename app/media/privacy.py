"""The media domain's part of a GDPR export and erasure: the user's uploads (avatar, submission
files, attachments). Their objects are deleted from storage after the erasure commits; the rows
stay, marked deleted and renamed, for the submissions that point at them. Course material
(videos, images, resources) stays with its course."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import String, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.media.models import FileAsset, FilePurpose
from app.privacy import ErasureSubject, plain_rows, scrub_text

# uploads that belong to a course rather than to the person (they stay with the course)
_COURSE_MATERIAL = frozenset(
    {
        FilePurpose.COURSE_IMAGE,
        FilePurpose.COURSE_TRAILER,
        FilePurpose.LESSON_VIDEO,
        FilePurpose.LESSON_RESOURCE,
        FilePurpose.COURSE_RESOURCE,
        FilePurpose.EXAM_RESOURCE,
        FilePurpose.BLOG_IMAGE,
        FilePurpose.CAPTION,
    }
)


async def export_user_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    files = await session.execute(
        select(
            FileAsset.id,
            FileAsset.purpose,
            FileAsset.file_name,
            FileAsset.content_type,
            FileAsset.size_bytes,
            FileAsset.status,
            FileAsset.created_at,
        ).where(FileAsset.owner_id == user_id, FileAsset.deleted_at.is_(None))
    )
    return {"files": plain_rows(files.all())}


def _personal(purpose: FilePurpose) -> bool:
    return FilePurpose(purpose) not in _COURSE_MATERIAL


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    rows = await session.execute(
        select(FileAsset.id, FileAsset.purpose, FileAsset.storage_key).where(
            FileAsset.owner_id == subject.user_id, FileAsset.deleted_at.is_(None)
        )
    )
    personal = [(row.id, row.storage_key) for row in rows if _personal(row.purpose)]
    subject.storage_keys.extend(key for _, key in personal)
    if personal:
        await session.execute(
            update(FileAsset)
            .where(FileAsset.id.in_([id_ for id_, _ in personal]))
            .values(
                file_name="erased",
                storage_key=func.concat("erased/", cast(FileAsset.id, String)),
                deleted_at=utcnow(),
            )
        )
    await scrub_text(
        session, FileAsset.file_name, subject, where=FileAsset.owner_id == subject.user_id
    )
