"""The demo pandas course gets a preview video lesson through the upload flow, queued for the
worker; seeding twice uploads it once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.catalog import reads
from app.catalog.models import Lesson, LessonType
from app.db import Database
from app.media.models import (
    FileAsset,
    FilePurpose,
    JobStatus,
    ProcessingJob,
    VideoAsset,
    VideoStatus,
)
from app.seed import seed


async def test_seeding_twice_gives_the_demo_course_one_queued_preview_video(
    database: Database,
) -> None:
    first, second = await seed(database), await seed(database)

    assert (first["demo video"], second["demo video"]) == (1, 0)
    async with database.session() as session:
        course = (await reads.courses_by_slugs(session, ["data-analysis-with-pandas"]))[0]
        assert course is not None
        [lesson] = (
            await session.scalars(
                select(Lesson).where(Lesson.course_id == course.id, Lesson.type == LessonType.VIDEO)
            )
        ).all()
        video = await session.get(VideoAsset, lesson.video_asset_id)
        assert video is not None
        upload = await session.get(FileAsset, video.file_asset_id)
        job = await session.scalar(
            select(ProcessingJob).where(ProcessingJob.video_asset_id == video.id)
        )
        videos = await session.scalar(
            select(func.count())
            .select_from(FileAsset)
            .where(FileAsset.purpose == FilePurpose.LESSON_VIDEO)
        )
    assert lesson.is_preview
    assert video.status == VideoStatus.UPLOADED  # until a worker transcodes it
    assert job is not None
    assert job.status == JobStatus.QUEUED
    assert upload is not None
    assert upload.owner_id == course.instructor_id
    assert videos == 1  # the other uploads are the demo images
