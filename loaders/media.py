"""Per-request batch loaders of media (each batch one statement in its own short session)."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader

from app.db import Database
from app.media import repo
from app.media.models import FileAsset, VideoAsset, VideoCaption
from loaders.batch import batch_loader


class MediaLoaders:
    def __init__(self, db: Database) -> None:
        self.assets: DataLoader[uuid.UUID, FileAsset | None] = batch_loader(db, repo.assets_by_ids)
        self.videos: DataLoader[uuid.UUID, VideoAsset | None] = batch_loader(db, repo.videos_by_ids)
        # each video's captions (with their files), by language
        self.captions: DataLoader[uuid.UUID, list[tuple[VideoCaption, FileAsset]]] = batch_loader(
            db, repo.captions_by_video_ids
        )
