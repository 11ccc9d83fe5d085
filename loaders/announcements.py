"""Per-request batch loaders of announcements (communication domain)."""

from __future__ import annotations

from app.db import Database


class AnnouncementsLoaders:
    def __init__(self, db: Database) -> None:
        self.db = db
