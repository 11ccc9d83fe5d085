"""Demo data: the first lesson of "Data Analysis with pandas" becomes a preview video lesson
(anyone may play it) with a short clip drawn by the bundled ffmpeg (test pattern and a tone).

It goes through the real upload flow as the course's instructor — request_upload, the bytes put
in storage, finalize_upload (which creates the video and queues its transcoding) — and
update_lesson with the upload. The worker started by `make run` transcodes it; seeded without a
worker the video stays PENDING until one runs. Idempotent: skipped when the lesson already has
a video, or when users changed the demo course so the lesson is gone.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.service import get_user
from app.catalog import reads, repo, structure
from app.catalog.models import LessonType
from app.integrations.storage import make_storage
from app.media import ffmpeg
from app.media import service as media
from app.media.rules import UploadPurpose
from app.security.permissions import Actor
from app.settings import get_settings

DEMO_COURSE_SLUG = "data-analysis-with-pandas"
LESSON_TITLE = "Series and DataFrames"
FILE_NAME = "series-and-dataframes.mp4"
CLIP_SECONDS = 6

logger = structlog.get_logger("easyways.seed")


async def _demo_clip() -> bytes | None:
    try:
        with tempfile.TemporaryDirectory(prefix="easyways-seed-") as tmp:
            clip = await ffmpeg.render_test_video(
                Path(tmp) / FILE_NAME, seconds=CLIP_SECONDS, width=1280, height=720, rate=24
            )
            return await asyncio.to_thread(clip.read_bytes)
    except (ffmpeg.FfmpegError, ffmpeg.FfmpegUnavailable) as exc:
        logger.warning("demo video skipped", reason=str(exc))
        return None


async def seed_demo_video(session: AsyncSession) -> int:
    """Returns 1 when the demo video was uploaded and attached, 0 when skipped."""
    course = (await reads.courses_by_slugs(session, [DEMO_COURSE_SLUG]))[0]
    if course is None:
        return 0
    modules = await reads.modules_of_course(session, course.id)
    lessons = (await repo.lessons_by_module_ids(session, [modules[0].id]))[0] if modules else []
    lesson = next((row for row in lessons if row.title == LESSON_TITLE), None)
    owner = await get_user(session, course.instructor_id)
    if lesson is None or lesson.video_asset_id is not None or owner is None:
        return 0
    data = await _demo_clip()
    if data is None:
        return 0
    storage = make_storage(get_settings())
    video = await media.upload_bytes(
        session,
        storage,
        owner_id=owner.id,
        purpose=UploadPurpose.LESSON_VIDEO,
        file_name=FILE_NAME,
        content_type="video/mp4",
        data=data,
    )
    await structure.update_lesson(
        session,
        actor=Actor.of(owner),
        lesson_id=lesson.id,
        type=LessonType.VIDEO,
        video_file_id=video.id,
        is_preview=True,
    )
    return 1
