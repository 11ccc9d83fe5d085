"""Per-request batch loaders of messaging (communication domain)."""

from __future__ import annotations

from app.db import Database


class MessagingLoaders:
    def __init__(self, db: Database) -> None:
        self.db = db
