"""Video actor: a `media.video_process` event transcodes the video to HLS (app/media/video.py)
and, in the transaction that ends the job, updates its lessons and notifies the instructor
(app/catalog/videos.py). Idempotent: a finished job is left alone; a job another worker holds
(within its lease) is left to it — should that worker have died, the periodic
`requeue_stalled_videos` job hands the video on again once the lease has run out.

It runs on its own queue ("media") so that long transcodings never hold up e-mails, receipts
and the other short jobs of the default queue; its time limit is the lease (the worker's).
"""

from __future__ import annotations

import uuid

import dramatiq
import structlog

from app.catalog.videos import video_finished
from app.media import video
from app.media.models import VideoStatus
from app.settings import get_settings
from workers.broker import MAX_RETRIES
from workers.runtime import get_runtime

QUEUE = "media"
log = structlog.get_logger(__name__)


async def process(video_id: str) -> VideoStatus | None:
    """The actor's body, callable in-process (tests, the CLI, the seeder)."""
    runtime = get_runtime()
    return await video.process_video(
        runtime.db,
        runtime.storage,
        runtime.settings,
        video_id=uuid.UUID(video_id),
        on_ready=video_finished,
    )


@dramatiq.actor(
    queue_name=QUEUE,
    max_retries=MAX_RETRIES,
    time_limit=get_settings().video_job_lease_seconds * 1000,
)
async def process_video(video_id: str) -> None:
    try:
        await process(video_id)
    except video.JobBusy:
        log.info("video.job_busy", video_id=video_id)  # its worker has it, or the sweep will
