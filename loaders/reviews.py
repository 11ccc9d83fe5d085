"""Per-request batch loaders of course reviews (cms domain)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from aiodataloader import DataLoader

from app.cms.models import CourseReview
from app.cms.repo import reviews as repo
from app.cms.repo.reviews import RatingSummary, ReviewPageKey
from app.db import Database
from app.pagination import Page
from loaders.batch import batch_loader


class ReviewLoaders:
    def __init__(self, db: Database) -> None:
        self.reviews: DataLoader[uuid.UUID, CourseReview | None] = batch_loader(
            db, repo.reviews_by_ids
        )
        # keyed by (user id, course id): that user's review of the course, whatever its status
        self.by_author: DataLoader[tuple[uuid.UUID, uuid.UUID], CourseReview | None] = batch_loader(
            db, repo.reviews_by_author
        )
        # keyed by course id: the histogram of its visible reviews
        self.summaries: DataLoader[uuid.UUID, RatingSummary] = batch_loader(db, repo.summaries)
        # one page of a course's visible reviews (one statement for a list's courses)
        self.pages: DataLoader[ReviewPageKey, Page[CourseReview]] = batch_loader(
            db, repo.review_pages
        )

    def prime(self, rows: Sequence[CourseReview]) -> None:
        for row in rows:
            self.reviews.prime(row.id, row)
