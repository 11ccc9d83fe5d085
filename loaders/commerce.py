"""Per-request batch loaders of commerce (each batch one statement in its own short session)."""

from __future__ import annotations

from app.db import Database


class CommerceLoaders:
    def __init__(self, db: Database) -> None:
        self.db = db
