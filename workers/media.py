"""Video actor: a `media.video_process` event transcodes the video to HLS (app/media/video.py)
and, in the transaction that marks it READY, updates its lessons and notifies the instructor
(app/catalog/videos.py). Idempotent: a finished job is left alone; a job another worker holds
is retried after a backoff (JobBusy) until its lease runs out and it is taken over.

It runs on its own queue ("media") so that long transcodings never hold up e-mails, receipts
and the other short jobs of the default queue; its time limit is the lease (the worker's).
"""

from __future__ import annotations

import uuid

import dramatiq
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.videos import video_ready
from app.media import video
from app.media.models import FileAsset, VideoAsset, VideoStatus
from app.settings import get_settings
from workers.broker import MAX_RETRIES
from workers.runtime import get_runtime

QUEUE = "media"


async def _on_ready(session: AsyncSession, ready: VideoAsset, upload: FileAsset) -> None:
    await video_ready(session, ready, upload)


async def process(video_id: str) -> VideoStatus | None:
    """The actor's body, callable in-process (tests, the CLI, the seeder)."""
    runtime = get_runtime()
    return await video.process_video(
        runtime.db,
        runtime.storage,
        runtime.settings,
        video_id=uuid.UUID(video_id),
        on_ready=_on_ready,
    )


@dramatiq.actor(
    queue_name=QUEUE,
    max_retries=MAX_RETRIES,
    time_limit=get_settings().video_job_lease_seconds * 1000,
)
async def process_video(video_id: str) -> None:
    await process(video_id)
