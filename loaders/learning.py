"""Per-request batch loaders of the learning domain (each batch in its own short session)."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader

from app.catalog.models import Lesson
from app.db import Database
from app.learning import certificates, repo
from app.learning.models import Certificate, Enrollment, LessonProgress
from loaders.batch import batch_loader


class LearningLoaders:
    def __init__(self, db: Database) -> None:
        self.enrollments: DataLoader[uuid.UUID, Enrollment | None] = batch_loader(
            db, repo.enrollments_by_ids
        )
        # keyed by enrollment id: the progress rows that exist (not every lesson may have one)
        self.progress: DataLoader[uuid.UUID, list[LessonProgress]] = batch_loader(
            db, repo.progress_by_enrollment_ids
        )
        # keyed by enrollment id: the certificate it earned, if any
        self.certificates: DataLoader[uuid.UUID, Certificate | None] = batch_loader(
            db, certificates.certificates_by_enrollment_ids
        )
        # keyed by course id: its lessons in reading order
        self.course_lessons: DataLoader[uuid.UUID, list[Lesson]] = batch_loader(
            db, repo.lessons_in_order_by_course_ids
        )
