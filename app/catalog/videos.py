"""The catalog's side of lesson videos: captions of a lesson's video, and what a finished
transcoding changes (Property 20).

`video_finished` is the hook the video worker runs in the transaction that ends a video's job: a
failed video's uploader is told why; a READY one goes through `video_ready`:
every lesson showing the video takes the probed duration (whole minutes, rounded up), each of
their courses emits COURSE_CHANGED (course pages show lesson durations: the search index and
the catalog cache follow), and the uploader is notified (VIDEO_READY). It is idempotent: a
second run sets the same values.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import repo
from app.catalog.errors import CatalogCode
from app.catalog.models import Lesson, LessonType
from app.catalog.rules import course_changed, course_for_author
from app.errors import Invalid, NotFound
from app.integrations.storage import Storage
from app.media import captions
from app.media.ffmpeg import duration_minutes
from app.media.models import FileAsset, VideoAsset, VideoStatus
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import notify
from app.security.permissions import Actor


async def _video_lesson(session: AsyncSession, actor: Actor, lesson_id: uuid.UUID) -> uuid.UUID:
    lesson = await repo.get_lesson(session, lesson_id)
    if lesson is None:
        raise NotFound("Lesson")
    await course_for_author(session, actor, lesson.course_id)
    if lesson.type != LessonType.VIDEO or lesson.video_asset_id is None:
        raise Invalid(
            "lesson_id", "Only video lessons have captions", CatalogCode.VIDEO_NOT_ALLOWED
        )
    return lesson.video_asset_id


async def add_video_caption(
    session: AsyncSession,
    storage: Storage,
    *,
    actor: Actor,
    lesson_id: uuid.UUID,
    file_id: uuid.UUID,
    language: str,
    label: str,
) -> Lesson:
    """Caption the lesson's video in `language` with a WebVTT upload of the caller (replacing
    an earlier caption in that language); the lesson's authors only."""
    video_id = await _video_lesson(session, actor, lesson_id)
    await captions.set_caption(
        session,
        storage,
        owner_id=actor.id,
        video_id=video_id,
        file_id=file_id,
        language=language,
        label=label,
    )
    lesson = await repo.get_lesson(session, lesson_id)
    assert lesson is not None
    return lesson


async def remove_video_caption(
    session: AsyncSession, *, actor: Actor, lesson_id: uuid.UUID, language: str
) -> Lesson:
    video_id = await _video_lesson(session, actor, lesson_id)
    await captions.remove_caption(session, video_id=video_id, language=language)
    lesson = await repo.get_lesson(session, lesson_id)
    assert lesson is not None
    return lesson


async def video_ready(session: AsyncSession, video: VideoAsset, upload: FileAsset) -> list[Lesson]:
    """Lessons of a video that finished transcoding take its duration (see the docstring)."""
    lessons = await repo.lessons_using_video(session, video.id)
    minutes = duration_minutes(video.duration_seconds or 0)
    for lesson in lessons:
        lesson.duration_minutes = minutes
    await session.flush()
    for course_id in sorted({lesson.course_id for lesson in lessons}):
        await course_changed(session, course_id, "video")
    if upload.owner_id is not None:
        titles = ", ".join(f"“{lesson.title}”" for lesson in lessons[:3]) or upload.file_name
        await notify(
            session,
            recipient_id=upload.owner_id,
            type=NotificationType.VIDEO_READY,
            title="Your video is ready",
            body=f"{titles} can be played now.",
            category=NotificationCategory.COURSE,
            metadata={
                "video_id": str(video.id),
                "lesson_ids": [str(lesson.id) for lesson in lessons],
            },
        )
    return lessons


async def video_finished(session: AsyncSession, video: VideoAsset, upload: FileAsset) -> None:
    """The worker's hook: READY updates the lessons (`video_ready`); a failure is reported."""
    if video.status == VideoStatus.READY:
        await video_ready(session, video, upload)
    elif upload.owner_id is not None:
        await notify(
            session,
            recipient_id=upload.owner_id,
            type=NotificationType.SYSTEM,
            title="Your video could not be processed",
            body=f"{upload.file_name}: {video.error or 'processing failed'}"[:1000],
            category=NotificationCategory.COURSE,
            metadata={"video_id": str(video.id)},
        )
