"""Per-request batch loaders of blog posts and their tags (cms domain)."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader

from app.cms.models import BlogPost
from app.cms.repo import blog as repo
from app.db import Database
from loaders.batch import batch_loader


class BlogLoaders:
    def __init__(self, db: Database) -> None:
        self.posts: DataLoader[uuid.UUID, BlogPost | None] = batch_loader(db, repo.posts_by_ids)
        self.tags: DataLoader[uuid.UUID, list[str]] = batch_loader(db, repo.tags_by_post_ids)

    def prime(self, rows: list[BlogPost]) -> None:
        for row in rows:
            self.posts.prime(row.id, row)
