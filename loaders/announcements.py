"""Per-request batch loaders of announcements (communication domain)."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader

from app.communication.models import Announcement
from app.communication.repo import announcements as repo
from app.db import Database
from loaders.batch import batch_loader


class AnnouncementsLoaders:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.announcements: DataLoader[uuid.UUID, Announcement | None] = batch_loader(
            db, repo.announcements_by_ids
        )

    def prime(self, rows: list[Announcement]) -> None:
        for row in rows:
            self.announcements.prime(row.id, row)
