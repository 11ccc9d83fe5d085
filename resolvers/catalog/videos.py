"""Captions of a video lesson's video (the course's authors)."""

from __future__ import annotations

import strawberry

from app.catalog import videos
from resolvers.catalog.changes import catalog_changed
from schema.catalog.payloads import AddVideoCaptionPayload, RemoveVideoCaptionPayload
from schema.catalog.types import Lesson
from schema.catalog.video import AddVideoCaptionInput, RemoveVideoCaptionInput
from schema.core.context import Info
from schema.core.mutation import Tx, mutation


@strawberry.type
class Mutation:
    @mutation(
        description="Attach a WebVTT upload (purpose CAPTION; it must start with WEBVTT) to a "
        "video lesson's video in a language, replacing that language's earlier caption.",
        after_commit=[catalog_changed],
    )
    async def add_video_caption(
        self, info: Info, input: AddVideoCaptionInput, tx: Tx
    ) -> AddVideoCaptionPayload:
        row = await videos.add_video_caption(
            tx.session, info.context.storage, actor=tx.actor, **input.arguments()
        )
        return AddVideoCaptionPayload(lesson=Lesson.from_model(row))

    @mutation(description="Remove the caption in this language.", after_commit=[catalog_changed])
    async def remove_video_caption(
        self, info: Info, input: RemoveVideoCaptionInput, tx: Tx
    ) -> RemoveVideoCaptionPayload:
        row = await videos.remove_video_caption(tx.session, actor=tx.actor, **input.arguments())
        return RemoveVideoCaptionPayload(lesson=Lesson.from_model(row))
