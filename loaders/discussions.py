"""Per-request batch loaders of discussions (communication domain)."""

from __future__ import annotations

from app.db import Database


class DiscussionsLoaders:
    def __init__(self, db: Database) -> None:
        self.db = db
