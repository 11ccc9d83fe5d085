"""A video lesson's video: processing status, poster, signed HLS stream and captions."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry
from strawberry import relay

from app.catalog import models as catalog_models
from app.media import models as media_models
from app.media.service import FINAL
from app.media.streaming import stream_lifetime, stream_url
from schema.catalog.access import sees_content, teaches_course
from schema.core.context import Info
from schema.core.inputs import Input, node_id


@strawberry.enum(
    description="PENDING (uploaded, waiting for a worker) → PROCESSING → READY, or FAILED (see "
    "`error`); UNAVAILABLE when this deployment cannot transcode."
)
class VideoStatus(enum.Enum):
    PENDING = media_models.VideoStatus.UPLOADED
    PROCESSING = media_models.VideoStatus.PROCESSING
    READY = media_models.VideoStatus.READY
    FAILED = media_models.VideoStatus.FAILED
    UNAVAILABLE = media_models.VideoStatus.UNAVAILABLE


@strawberry.type(description="A subtitle track (WebVTT).")
class VideoCaption:
    language: str = strawberry.field(description="BCP 47 tag, e.g. en or pt-BR.")
    label: str
    url: str = strawberry.field(description="Signed WebVTT link; lives as long as streamUrl.")


@strawberry.type(name="Video", description="The video of a video lesson.")
class LessonVideo:
    model: strawberry.Private[media_models.VideoAsset]
    lesson: strawberry.Private[catalog_models.Lesson]
    course: strawberry.Private[catalog_models.Course]

    @strawberry.field(description="Global id (a `videoAssetId` for addLesson / updateLesson).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(relay.to_base64("VideoAsset", str(self.model.id)))

    @strawberry.field
    def status(self) -> VideoStatus:
        return VideoStatus(self.model.status)

    @strawberry.field(description="Length in whole seconds, once processed.")
    def duration_seconds(self) -> int | None:
        return self.model.duration_seconds

    @strawberry.field(description="A frame of the video (signed link that expires), once READY.")
    def poster_url(self, info: Info) -> str | None:
        if self.model.status != media_models.VideoStatus.READY or not self.model.thumbnail_key:
            return None
        return info.context.storage.download_url(self.model.thumbnail_key)

    @strawberry.field(
        description="Signed, expiring URL of the HLS master playlist (renditions of 360p and "
        "up, never above the source). Only for enrolled students, the course's instructors and "
        "admins, and anyone on a preview lesson; null otherwise or until READY. It lives the "
        "video's duration plus a margin (see streamExpiresAt): ask again for a fresh one."
    )
    async def stream_url(self, info: Info) -> str | None:
        if not await sees_content(info, self.course, self.lesson):
            return None
        signed = stream_url(info.context.settings, self.model)
        return None if signed is None else signed.url

    @strawberry.field(description="When streamUrl stops working (null when there is none).")
    async def stream_expires_at(self, info: Info) -> datetime | None:
        if not await sees_content(info, self.course, self.lesson):
            return None
        signed = stream_url(info.context.settings, self.model)
        return None if signed is None else signed.expires_at

    @strawberry.field(description="Subtitle tracks, for those who may play the video.")
    async def captions(self, info: Info) -> list[VideoCaption]:
        if not await sees_content(info, self.course, self.lesson):
            return []
        rows = await info.context.loaders.media.captions.load(self.model.id)
        lifetime = stream_lifetime(info.context.settings, self.model.duration_seconds)
        storage = info.context.storage
        return [
            VideoCaption(
                language=caption.language,
                label=caption.label,
                url=storage.download_url(asset.storage_key, expires_in=lifetime),
            )
            for caption, asset in rows
            if asset.status in FINAL
        ]

    @strawberry.field(
        description="Why processing failed; shown to the course's instructors and admins only."
    )
    async def error(self, info: Info) -> str | None:
        if self.model.error is None or not await teaches_course(info, self.course):
            return None
        return self.model.error


async def lesson_video(
    info: Info, lesson: catalog_models.Lesson, course: catalog_models.Course
) -> LessonVideo | None:
    if lesson.video_asset_id is None:
        return None
    row = await info.context.loaders.media.videos.load(lesson.video_asset_id)
    return None if row is None else LessonVideo(model=row, lesson=lesson, course=course)


@strawberry.input(
    description="Caption a video lesson's video; a language's earlier caption is replaced."
)
class AddVideoCaptionInput(Input):
    lesson_id: strawberry.ID = node_id("Lesson")
    file_id: strawberry.ID = node_id(
        "FileAsset", description="A finalized CAPTION upload of yours (a WebVTT file)."
    )
    language: str = strawberry.field(description="BCP 47 tag, e.g. en or pt-BR.")
    label: str = strawberry.field(
        description="What players show, e.g. English; 1 to 100 characters."
    )


@strawberry.input
class RemoveVideoCaptionInput(Input):
    lesson_id: strawberry.ID = node_id("Lesson")
    language: str
