"""All SQL of the media domain (batch reads return rows in key order; nothing commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.media.models import FileAsset, VideoAsset, VideoStatus


async def assets_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[FileAsset | None]:
    rows = (await session.scalars(select(FileAsset).where(FileAsset.id.in_(ids)))).all()
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
