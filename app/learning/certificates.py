"""Certificates: issued once per completed enrollment, verifiable by anyone, revocable by admins.

`issue_certificate` runs in the worker when an enrollment completes (outbox topic
"learning.course_completed"). It is idempotent and race-safe: the enrollment row is locked while
issuing, the certificate is unique per enrollment, and a second call (a redelivered message, a
concurrent worker) returns the certificate already issued. The number is `EWS-<YYYY>-<6 chars>`
from an alphabet without look-alikes (no 0/O, 1/I); number and verification code are random and
regenerated on the (unlikely) collision. The student's name and the course title are snapshotted
on the row, so the certificate outlives renames and deletions.

The PDF (app.learning.pdf) is rendered and stored at `certificates/<id>.pdf` before the row is
written; the row, the e-mail (template `certificate_issued`) and the in-app notification commit
together. A failure after the upload leaves at most an orphaned object under a fresh id, never a
certificate without its PDF. The public verification page is
`{FRONTEND_URL}/certificates/verify/<code>`.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import webhooks
from app.accounts.models import User, UserRole
from app.admin import audit
from app.catalog.models import Course
from app.clock import utcnow
from app.db import Database
from app.errors import Common, Conflict, DomainError, Failure, Invalid, NotFound
from app.ids import new_id
from app.integrations.storage import Storage
from app.learning import repo
from app.learning.errors import LearningCode
from app.learning.models import Certificate, Enrollment, EnrollmentStatus
from app.learning.pdf import CertificateContent, render_certificate
from app.notifications.models import NotificationCategory, NotificationType
from app.notifications.service import EmailContent, notify
from app.pagination import Page, PageRequest
from app.security.permissions import Actor, require_role
from app.settings import Settings

COURSE_COMPLETED = "learning.course_completed"
NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
NUMBER_LENGTH = 6
PDF_CONTENT_TYPE = "application/pdf"
MAX_ATTEMPTS = 5
MAX_REASON_LENGTH = 1000


class NotEligible(DomainError):
    """The enrollment is unknown or not completed: there is nothing to certify (not retried)."""

    code = Failure.NOT_ELIGIBLE


@dataclass(frozen=True)
class Verification:
    """What the public verification page shows for a code."""

    valid: bool
    certificate: Certificate | None = None
    revoked_at: datetime | None = None
    reason: str | None = None


def new_certificate_number(year: int) -> str:
    suffix = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))
    return f"EWS-{year:04d}-{suffix}"


def new_verification_code() -> str:
    """32 URL-safe characters (192 random bits)."""
    return secrets.token_urlsafe(24)


def verification_url(settings: Settings, code: str) -> str:
    return f"{settings.frontend_url.rstrip('/')}/certificates/verify/{code}"


def pdf_key(certificate_id: uuid.UUID) -> str:
    return f"certificates/{certificate_id}.pdf"


def _certificate_page(settings: Settings) -> str:
    return f"{settings.frontend_url.rstrip('/')}/certificates"


async def issue_certificate(
    db: Database, storage: Storage, settings: Settings, *, enrollment_id: uuid.UUID
) -> Certificate:
    """The enrollment's certificate, issuing it (PDF, row, e-mail, notification) if needed.

    Raises NotEligible when the enrollment does not exist or is not completed.
    """
    for _ in range(MAX_ATTEMPTS):
        try:
            return await _issue_once(db, storage, settings, enrollment_id)
        except IntegrityError as exc:  # number or code collision: draw again
            if "uq_certificates_enrollment_id" in str(exc.orig):
                break
    async with db.session() as session:
        existing = await _by_enrollment(session, enrollment_id)
    if existing is None:
        raise RuntimeError(f"could not issue a certificate for enrollment {enrollment_id}")
    return existing


async def _issue_once(
    db: Database, storage: Storage, settings: Settings, enrollment_id: uuid.UUID
) -> Certificate:
    async with db.transaction() as session:
        enrollment = await session.get(Enrollment, enrollment_id, with_for_update=True)
        existing = await _by_enrollment(session, enrollment_id)
        if existing is not None:
            return existing
        if enrollment is None or enrollment.status != EnrollmentStatus.COMPLETED:
            raise NotEligible("Only a completed enrollment earns a certificate")
        student = await session.get(User, enrollment.student_id)
        course = await session.get(Course, enrollment.course_id)
        if student is None or course is None:
            raise NotEligible("The student or the course no longer exists")
        if not course.is_certified:
            raise NotEligible("The course does not issue certificates")
        certificate = await _new_certificate(session, enrollment, student, course)
        await _store_pdf(storage, settings, certificate, enrollment)
        session.add(certificate)
        await session.flush()
        await _announce(session, settings, certificate, student)
        await webhooks.certificate_issued(
            session, certificate_id=certificate.id, course_id=course.id
        )
    return certificate


async def _by_enrollment(session: AsyncSession, enrollment_id: uuid.UUID) -> Certificate | None:
    stmt = select(Certificate).where(Certificate.enrollment_id == enrollment_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def _unused_number(session: AsyncSession, year: int) -> str:
    while True:
        number = new_certificate_number(year)
        taken = await session.scalar(
            select(Certificate.id).where(Certificate.certificate_number == number)
        )
        if taken is None:
            return number


async def _new_certificate(
    session: AsyncSession, enrollment: Enrollment, student: User, course: Course
) -> Certificate:
    issued_at = utcnow()
    certificate_id = new_id()
    return Certificate(
        id=certificate_id,
        enrollment_id=enrollment.id,
        user_id=student.id,
        course_id=course.id,
        certificate_number=await _unused_number(session, issued_at.year),
        verification_code=new_verification_code(),
        student_name=f"{student.first_name} {student.last_name}".strip()[:120],
        course_title=course.title[:220],
        issued_at=issued_at,
        pdf_storage_key=pdf_key(certificate_id),
        metadata_={"completed_at": (enrollment.completed_at or issued_at).isoformat()},
    )


async def _store_pdf(
    storage: Storage, settings: Settings, certificate: Certificate, enrollment: Enrollment
) -> None:
    content = CertificateContent(
        student_name=certificate.student_name,
        course_title=certificate.course_title,
        completed_on=(enrollment.completed_at or certificate.issued_at).date(),
        certificate_number=certificate.certificate_number,
        verification_url=verification_url(settings, certificate.verification_code),
    )
    pdf = await asyncio.to_thread(render_certificate, content)
    assert certificate.pdf_storage_key is not None
    await storage.put(certificate.pdf_storage_key, pdf, PDF_CONTENT_TYPE)


async def _announce(
    session: AsyncSession, settings: Settings, certificate: Certificate, student: User
) -> None:
    link = verification_url(settings, certificate.verification_code)
    await notify(
        session,
        recipient_id=student.id,
        type=NotificationType.CERTIFICATE_ISSUED,
        title=f"Your certificate for {certificate.course_title}",
        body=f"Congratulations! Certificate {certificate.certificate_number} is ready.",
        category=NotificationCategory.COURSE,
        action_url=_certificate_page(settings),
        email=EmailContent(
            "certificate_issued",
            {
                "course_title": certificate.course_title,
                "certificate_number": certificate.certificate_number,
                "link": link,
            },
        ),
        metadata={"certificate_id": str(certificate.id), "course_id": str(certificate.course_id)},
    )


async def verify_certificate(session: AsyncSession, code: str) -> Verification:
    """Public: an unknown code is simply not valid; a revoked certificate is not valid either."""
    code = code.strip()
    if not code or len(code) > 64:
        return Verification(valid=False, reason="No certificate has this verification code")
    stmt = select(Certificate).where(Certificate.verification_code == code)
    certificate = (await session.execute(stmt)).scalar_one_or_none()
    if certificate is None:
        return Verification(valid=False, reason="No certificate has this verification code")
    if certificate.revoked_at is not None:
        return Verification(
            valid=False,
            certificate=certificate,
            revoked_at=certificate.revoked_at,
            reason=certificate.revocation_reason or "This certificate has been revoked",
        )
    return Verification(valid=True, certificate=certificate)


def may_read(viewer: Actor | None, certificate: Certificate) -> bool:
    """The certificate's owner and admins see it in full (and may download the PDF)."""
    return viewer is not None and (
        viewer.id == certificate.user_id
        or (UserRole(viewer.role) == UserRole.ADMIN and not viewer.admin_mfa_missing)
    )


async def revoke_certificate(
    session: AsyncSession,
    *,
    actor: Actor,
    certificate_id: uuid.UUID,
    reason: str,
    ip_address: str | None = None,
    request_id: str | None = None,
) -> Certificate:
    """Admin-only; the reason is kept, shown by verification and written to the audit log."""
    require_role(actor, UserRole.ADMIN)
    reason = reason.strip()
    if not reason:
        raise Invalid("reason", "Give the reason for revoking", Common.REQUIRED)
    if len(reason) > MAX_REASON_LENGTH:
        raise Invalid("reason", f"At most {MAX_REASON_LENGTH} characters", Common.TOO_LONG)
    certificate = await session.get(Certificate, certificate_id, with_for_update=True)
    if certificate is None:
        raise NotFound("Certificate")
    if certificate.revoked_at is not None:
        raise Conflict(
            "certificate_id", "This certificate is already revoked", LearningCode.ALREADY_REVOKED
        )
    certificate.revoked_at = utcnow()
    certificate.revocation_reason = reason
    await session.flush()
    await audit.record(
        session,
        actor_id=actor.id,
        action="certificate.revoke",
        entity_type="certificate",
        entity_id=str(certificate.id),
        changes={"reason": reason, "certificate_number": certificate.certificate_number},
        ip_address=ip_address,
        request_id=request_id,
    )
    return certificate


async def list_certificates(
    session: AsyncSession, *, user_id: uuid.UUID, request: PageRequest, with_total: bool = False
) -> Page[Certificate]:
    """A user's certificates (revoked ones included), most recently issued first."""
    return await repo.list_user_certificates(
        session, user_id=user_id, request=request, with_total=with_total
    )
