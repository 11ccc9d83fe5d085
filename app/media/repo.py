"""All SQL of the media domain (batch reads return rows in key order; nothing commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, column, exists, or_, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import rows_with
from app.media.models import (
    FileAsset,
    FileStatus,
    JobStatus,
    ProcessingJob,
    VideoAsset,
    VideoCaption,
    VideoStatus,
)


async def assets_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[FileAsset | None]:
    rows = await rows_with(session, FileAsset.id, ids)
    found = {row.id: row for row in rows}
    return [found.get(i) for i in ids]


async def asset_by_id(session: AsyncSession, asset_id: uuid.UUID) -> FileAsset | None:
    return await session.get(FileAsset, asset_id)


async def lock_asset(session: AsyncSession, asset_id: uuid.UUID) -> FileAsset | None:
    """The asset, locked until the transaction ends (finalize is serialised per asset)."""
    return await session.get(FileAsset, asset_id, with_for_update=True, populate_existing=True)


async def add_asset(session: AsyncSession, asset: FileAsset) -> None:
    session.add(asset)
    await session.flush()


async def video_statuses(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, VideoStatus]:
    """The processing status of each of these video assets that exists."""
    if not ids:
        return {}
    rows = await session.execute(
        select(VideoAsset.id, VideoAsset.status).where(VideoAsset.id.in_(ids))
    )
    return {row[0]: row[1] for row in rows}


async def video_durations(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    rows = await session.execute(
        select(VideoAsset.id, VideoAsset.duration_seconds).where(
            VideoAsset.id.in_(ids), VideoAsset.duration_seconds.is_not(None)
        )
    )
    return {row[0]: row[1] for row in rows if row[1] is not None}


async def _referencing_columns(session: AsyncSession) -> list[tuple[str, str, str]]:
    """(schema, table, column) of every foreign key to file_assets, read from the catalog, so no
    table of another domain can be missed (nor needs importing here)."""
    rows = await session.execute(
        text(
            "SELECT n.nspname, r.relname, a.attname"
            " FROM pg_constraint c"
            " JOIN pg_class r ON r.oid = c.conrelid"
            " JOIN pg_namespace n ON n.oid = r.relnamespace"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
            " WHERE c.contype = 'f' AND c.confrelid = 'file_assets'::regclass"
        )
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def lock_abandoned_assets(
    session: AsyncSession,
    *,
    pending_expired_before: datetime,
    rejected_before: datetime,
    limit: int,
    exclude: Sequence[uuid.UUID] = (),
) -> Sequence[FileAsset]:
    """Up to `limit` unreferenced assets (but `exclude`) that were never finished (pending, their
    upload link expired before `pending_expired_before`) or were rejected before
    `rejected_before`; locked, skipping rows another transaction holds (a finalize)."""
    unreferenced = [
        ~exists().where(table(name, column(col), schema=schema).c[col] == FileAsset.id)
        for schema, name, col in await _referencing_columns(session)
    ]
    stmt = (
        select(FileAsset)
        .where(
            or_(
                and_(
                    FileAsset.status == FileStatus.PENDING,
                    FileAsset.upload_expires_at < pending_expired_before,
                ),
                and_(
                    FileAsset.status == FileStatus.REJECTED,
                    FileAsset.finalized_at < rejected_before,
                ),
            ),
            FileAsset.id.not_in(exclude),
            *unreferenced,
        )
        .order_by(FileAsset.created_at, FileAsset.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(stmt)).all()


async def delete_asset(session: AsyncSession, asset: FileAsset) -> None:
    await session.delete(asset)
    await session.flush()


# --- videos -------------------------------------------------------------------------------------


async def videos_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[VideoAsset | None]:
    rows = await rows_with(session, VideoAsset.id, ids)
    found = {row.id: row for row in rows}
    return [found.get(i) for i in ids]


async def video_by_file(session: AsyncSession, file_asset_id: uuid.UUID) -> VideoAsset | None:
    return await session.scalar(select(VideoAsset).where(VideoAsset.file_asset_id == file_asset_id))


async def lock_video(session: AsyncSession, video_id: uuid.UUID) -> VideoAsset | None:
    return await session.get(VideoAsset, video_id, with_for_update=True, populate_existing=True)


async def lock_job(session: AsyncSession, video_id: uuid.UUID, kind: str) -> ProcessingJob | None:
    return await session.scalar(
        select(ProcessingJob)
        .where(ProcessingJob.video_asset_id == video_id, ProcessingJob.kind == kind)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def stalled_jobs(
    session: AsyncSession, kind: str, *, now: datetime, queued_before: datetime, limit: int
) -> list[uuid.UUID]:
    """Videos whose job of `kind` runs past its lease, or waits since before `queued_before`."""
    rows = await session.scalars(
        select(ProcessingJob.video_asset_id)
        .where(
            ProcessingJob.kind == kind,
            or_(
                and_(
                    ProcessingJob.status == JobStatus.RUNNING,
                    ProcessingJob.lease_expires_at < now,
                ),
                and_(
                    ProcessingJob.status == JobStatus.QUEUED,
                    ProcessingJob.created_at < queued_before,
                ),
            ),
        )
        .order_by(ProcessingJob.created_at)
        .limit(limit)
    )
    return list(rows)


async def captions_by_video_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[list[tuple[VideoCaption, FileAsset]]]:
    """Each video's captions with their files, by language."""
    if not ids:
        return []
    rows = await session.execute(
        select(VideoCaption, FileAsset)
        .join(FileAsset, FileAsset.id == VideoCaption.file_asset_id)
        .where(VideoCaption.video_asset_id.in_(ids))
        .order_by(VideoCaption.language)
    )
    grouped: dict[uuid.UUID, list[tuple[VideoCaption, FileAsset]]] = {i: [] for i in ids}
    for caption, asset in rows:
        grouped[caption.video_asset_id].append((caption, asset))
    return [grouped[i] for i in ids]


async def caption_of(
    session: AsyncSession, video_id: uuid.UUID, language: str
) -> VideoCaption | None:
    return await session.scalar(
        select(VideoCaption).where(
            VideoCaption.video_asset_id == video_id, VideoCaption.language == language
        )
    )
