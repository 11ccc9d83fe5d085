"""The learning domain's part of a GDPR export and erasure: enrollments, lesson progress and
certificates. Enrollments and progress stay (they hold no personal data once the user row is
anonymised, and course statistics count them); certificates either stay verifiable without the
name (the user's choice) or are deleted, and their PDFs (which print the name) go."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.learning.models import Certificate, Enrollment, LessonProgress
from app.privacy import ErasureSubject, plain_rows


async def export_user_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    enrollments = await session.execute(
        select(Enrollment.__table__).where(Enrollment.student_id == user_id)
    )
    progress = await session.execute(
        select(LessonProgress.__table__)
        .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
        .where(Enrollment.student_id == user_id)
    )
    certificates = await session.execute(
        select(Certificate.__table__).where(Certificate.user_id == user_id)
    )
    return {
        "enrollments": plain_rows(enrollments.all()),
        "progress": plain_rows(progress.all()),
        "certificates": plain_rows(certificates.all()),
    }


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    user_id = subject.user_id
    keys = await session.scalars(
        select(Certificate.pdf_storage_key).where(
            Certificate.user_id == user_id, Certificate.pdf_storage_key.is_not(None)
        )
    )
    subject.storage_keys.extend(k for k in keys.all() if k)
    await session.execute(
        update(Enrollment).where(Enrollment.student_id == user_id).values(withdrawal_reason=None)
    )
    if subject.keep_certificates_verifiable:
        await session.execute(
            update(Certificate)
            .where(Certificate.user_id == user_id)
            .values(student_name="", pdf_storage_key=None)
        )
    else:
        await session.execute(delete(Certificate).where(Certificate.user_id == user_id))
