"""Video helpers: finished VIDEO uploads through the media service, and the worker's processing
run in-process (the same function the actor runs)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.catalog.videos import video_finished, video_ready
from app.db import Database
from app.integrations.storage import Storage
from app.media import ffmpeg, video
from app.media.models import FileAsset, FilePurpose, ProcessingJob, VideoAsset, VideoStatus
from app.settings import Settings
from tests.support.media import finished_upload


async def video_upload(
    database: Database, storage: Storage, owner_id: uuid.UUID, body: bytes
) -> FileAsset:
    return await finished_upload(
        database,
        storage,
        owner_id,
        purpose=FilePurpose.LESSON_VIDEO,
        body=body,
        file_name="clip.mp4",
        content_type="video/mp4",
    )


async def video_of(database: Database, file_id: uuid.UUID) -> VideoAsset:
    async with database.session() as session:
        found = await session.scalar(select(VideoAsset).where(VideoAsset.file_asset_id == file_id))
        assert found is not None
        return found


async def reload(database: Database, video_id: uuid.UUID) -> tuple[VideoAsset, ProcessingJob]:
    async with database.session() as session:
        row = await session.get(VideoAsset, video_id)
        job = await session.scalar(
            select(ProcessingJob).where(ProcessingJob.video_asset_id == video_id)
        )
        assert row is not None
        assert job is not None
        return row, job


async def process(
    database: Database, storage: Storage, settings: Settings, video_id: uuid.UUID
) -> VideoStatus | None:
    """What the worker's actor does for one delivery."""
    return await video.process_video(
        database, storage, settings, video_id=video_id, on_ready=video_finished
    )


# sniffs as video/mp4 (enough for the upload checks) but holds nothing ffmpeg can read
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 400


async def mark_ready(database: Database, video_id: uuid.UUID, duration: float = 120.0) -> None:
    """Completes the video's job as a worker would have, without transcoding anything."""
    claim = await video.claim_job(database, video_id, lease_seconds=600, max_attempts=5)
    assert claim is not None
    prefix = video.video_prefix(video_id)
    outcome = video.Outcome(
        probe=ffmpeg.Probe(duration, 1280, 720, "h264", "aac"),
        renditions=[{"name": "360p", "height": 360}, {"name": "720p", "height": 720}],
        manifest_key=prefix + video.MANIFEST,
        poster_key=prefix + "poster.jpg",
    )
    assert await video.complete_job(database, claim, outcome, video_ready)
