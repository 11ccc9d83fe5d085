"""Per-request batch loaders of the notifications domain."""

from __future__ import annotations

from app.db import Database


class NotificationLoaders:
    def __init__(self, db: Database) -> None:
        self.db = db
