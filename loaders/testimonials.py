"""Per-request batch loaders of testimonials (cms domain)."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader

from app.cms.models import Testimonial
from app.cms.repo import testimonials as repo
from app.db import Database
from loaders.batch import batch_loader


class TestimonialLoaders:
    def __init__(self, db: Database) -> None:
        self.testimonials: DataLoader[uuid.UUID, Testimonial | None] = batch_loader(
            db, repo.testimonials_by_ids
        )

    def prime(self, rows: list[Testimonial]) -> None:
        for row in rows:
            self.testimonials.prime(row.id, row)
