"""Per-request batch loaders of discussions (communication domain). Keys that depend on a viewer
carry the viewer's id, so the loaders hold no viewer state and one set can serve every subscriber
of a live event."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from aiodataloader import DataLoader

from app.communication.models import DiscussionPost, DiscussionThread
from app.communication.repo import discussions as repo
from app.communication.repo.discussions import PostsPageKey, TreePost
from app.db import Database
from app.pagination import Page
from loaders.batch import batch_loader


class DiscussionsLoaders:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.threads: DataLoader[uuid.UUID, DiscussionThread | None] = batch_loader(
            db, repo.threads_by_ids
        )
        self.posts: DataLoader[uuid.UUID, DiscussionPost | None] = batch_loader(
            db, repo.posts_by_ids
        )
        # keyed by post id: its depth in the reply tree (0: a reply to the thread itself)
        self.depths: DataLoader[uuid.UUID, int | None] = batch_loader(db, repo.depths_by_post_ids)
        # one page of a thread's posts in tree order (one statement for a list's threads)
        self.post_pages: DataLoader[PostsPageKey, Page[TreePost]] = batch_loader(
            db, repo.post_pages
        )
        # keyed by (user id, post id): whether the user's vote is on the post
        self.voted: DataLoader[tuple[uuid.UUID, uuid.UUID], bool] = batch_loader(db, repo.voted)

    def prime_threads(self, rows: Sequence[DiscussionThread]) -> None:
        for row in rows:
            self.threads.prime(row.id, row)

    def prime_tree(self, items: Sequence[TreePost]) -> None:
        for item in items:
            self.posts.prime(item.post.id, item.post)
            self.depths.prime(item.post.id, item.depth)
