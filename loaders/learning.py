"""Per-request batch loaders of the learning domain (each batch in its own short session)."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader

from app.db import Database
from app.learning import repo
from app.learning.models import Certificate, Enrollment, LessonProgress
from loaders.batch import batch_loader


class LearningLoaders:
    def __init__(self, db: Database) -> None:
        self.enrollments: DataLoader[uuid.UUID, Enrollment | None] = batch_loader(
            db, repo.enrollments_by_ids
        )
        # keyed by (student id, course id): the student's enrollment in the course, any status
        self.enrollment_of: DataLoader[tuple[uuid.UUID, uuid.UUID], Enrollment | None] = (
            batch_loader(db, repo.enrollments_by_student_and_course)
        )
        # keyed by enrollment id: the progress rows that exist (not every lesson may have one)
        self.progress: DataLoader[uuid.UUID, list[LessonProgress]] = batch_loader(
            db, repo.progress_by_enrollment_ids
        )
        # keyed by enrollment id: the ids of the modules it completed
        self.completed_modules: DataLoader[uuid.UUID, set[uuid.UUID]] = batch_loader(
            db, repo.completed_modules_by_enrollment_ids
        )
        self.certificates: DataLoader[uuid.UUID, Certificate | None] = batch_loader(
            db, repo.certificates_by_ids
        )
        # keyed by enrollment id: the certificate it earned, if any
        self.certificate_of: DataLoader[uuid.UUID, Certificate | None] = batch_loader(
            db, repo.certificates_by_enrollment_ids
        )

    def prime_enrollments(self, rows: list[Enrollment]) -> None:
        for row in rows:
            self.enrollments.prime(row.id, row)

    def prime_certificates(self, rows: list[Certificate]) -> None:
        for row in rows:
            self.certificates.prime(row.id, row)
