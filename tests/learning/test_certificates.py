"""Certificates on completion (Properties 26 and 27): issued once, with a real PDF in storage,
an e-mail and a notification; the worker path from the outbox; the number and code rules."""

from __future__ import annotations

import asyncio
import io
import re
import uuid
from pathlib import Path
from typing import Any

import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.db import Database
from app.integrations.storage import LocalStorage
from app.learning import certificates
from app.learning.certificates import NotEligible, issue_certificate, pdf_key, verification_url
from app.learning.models import Certificate, EnrollmentSource, EnrollmentStatus
from app.notifications.models import EmailLog, Notification, NotificationType
from app.outbox import OutboxEvent, emit, relay_once
from app.settings import Settings, get_settings
from tests.support.catalog import course, instructor, person
from tests.support.learning import COMPLETED_AT, completed_enrollment

NUMBER = re.compile(r"^EWS-\d{4}-[A-HJ-NP-Z2-9]{6}$")


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(
        tmp_path / "storage", secret_key="k" * 40, public_url="http://api.test", download_ttl=60
    )


async def issued(database: Database, storage: LocalStorage, **kwargs: Any) -> Certificate:
    enrollment, _, _ = await completed_enrollment(database, **kwargs)
    return await issue_certificate(database, storage, get_settings(), enrollment_id=enrollment.id)


async def rows(database: Database, model: Any, *where: Any) -> list[Any]:
    async with database.session() as session:
        return list(await session.scalars(select(model).where(*where)))


def pdf_text(data: bytes) -> str:
    [page] = pypdf.PdfReader(io.BytesIO(data)).pages
    return page.extract_text()


def drawn_rectangles(data: bytes) -> int:
    [page] = pypdf.PdfReader(io.BytesIO(data)).pages
    return page.get_contents().get_data().count(b" re")  # type: ignore[union-attr]


# --- Property 26 -------------------------------------------------------------------------------


async def test_property_26_completion_issues_a_certificate_with_name_title_and_date(
    database: Database, storage: LocalStorage
) -> None:
    enrollment, student, taught = await completed_enrollment(database)

    cert = await issue_certificate(database, storage, get_settings(), enrollment_id=enrollment.id)

    assert NUMBER.match(cert.certificate_number)
    assert cert.certificate_number.startswith(f"EWS-{cert.issued_at.year}-")
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", cert.verification_code)
    assert (cert.student_name, cert.course_title) == ("Ada Lovelace", taught.title)
    assert (cert.user_id, cert.course_id, cert.enrollment_id) == (
        student.id,
        taught.id,
        enrollment.id,
    )


async def test_property_26_the_pdf_shows_name_title_date_number_and_verification_url(
    database: Database, storage: LocalStorage
) -> None:
    cert = await issued(database, storage, first_name="Zoë", last_name="Ångström")

    data = await storage.read(pdf_key(cert.id))

    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for shown in (
        "Zoë Ångström",
        "Python for Absolute Beginners",
        "March 5, 2025",
        cert.certificate_number,
        verification_url(get_settings(), cert.verification_code),
    ):
        assert shown in text
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape


async def test_property_26_the_pdf_carries_a_qr_code_of_the_verification_url(
    database: Database, storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The QR code is drawn as vector modules: hundreds of filled squares the page lacks
    without it."""
    from app.learning import pdf

    cert = await issued(database, storage)
    data = await storage.read(pdf_key(cert.id))
    drawn: list[str] = []
    monkeypatch.setattr(pdf, "_qr_code", lambda canvas, url: drawn.append(url))
    content = pdf.CertificateContent(
        cert.student_name,
        cert.course_title,
        COMPLETED_AT.date(),
        cert.certificate_number,
        verification_url(get_settings(), cert.verification_code),
    )

    without_qr = pdf.render_certificate(content)

    assert drawn == [content.verification_url]
    assert drawn_rectangles(data) - drawn_rectangles(without_qr) > 100


async def test_property_26_a_second_issue_returns_the_same_certificate(
    database: Database, storage: LocalStorage
) -> None:
    enrollment, _, _ = await completed_enrollment(database)
    settings_ = get_settings()

    first = await issue_certificate(database, storage, settings_, enrollment_id=enrollment.id)
    again = await issue_certificate(database, storage, settings_, enrollment_id=enrollment.id)

    assert again.id == first.id
    assert len(await rows(database, Certificate)) == 1
    assert len(await rows(database, EmailLog)) == 1


async def test_property_26_concurrent_issues_make_exactly_one_certificate(
    database: Database, storage: LocalStorage
) -> None:
    enrollment, _, _ = await completed_enrollment(database)
    settings_ = get_settings()

    results = await asyncio.gather(
        *(
            issue_certificate(database, storage, settings_, enrollment_id=enrollment.id)
            for _ in range(4)
        )
    )

    assert len({c.id for c in results}) == 1
    assert len(await rows(database, Certificate)) == 1
    assert len(await rows(database, Notification)) == 1
    assert len(await rows(database, EmailLog)) == 1


@pytest.mark.parametrize("status", [EnrollmentStatus.ACTIVE, EnrollmentStatus.REVOKED])
async def test_an_enrollment_that_is_not_completed_gets_no_certificate(
    database: Database, storage: LocalStorage, status: EnrollmentStatus
) -> None:
    enrollment, _, _ = await completed_enrollment(database, status=status)

    with pytest.raises(NotEligible):
        await issue_certificate(database, storage, get_settings(), enrollment_id=enrollment.id)

    assert await rows(database, Certificate) == []
    assert await rows(database, EmailLog) == []
    assert not (storage.root / "objects" / "certificates").exists()


async def test_an_unknown_enrollment_gets_no_certificate(
    database: Database, storage: LocalStorage
) -> None:
    with pytest.raises(NotEligible):
        await issue_certificate(database, storage, get_settings(), enrollment_id=uuid.uuid4())


async def test_a_taken_number_is_drawn_again(
    database: Database, storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await issued(database, storage)
    draws = iter([first.certificate_number, "EWS-2099-ZZZZZZ"])
    monkeypatch.setattr(certificates, "new_certificate_number", lambda year: next(draws))

    second = await issued(database, storage)

    assert second.certificate_number == "EWS-2099-ZZZZZZ"


@settings(max_examples=50)
@given(year=st.integers(min_value=2000, max_value=9999))
def test_numbers_use_the_year_and_six_unambiguous_characters(year: int) -> None:
    number = certificates.new_certificate_number(year)

    assert NUMBER.match(number)
    assert number.startswith(f"EWS-{year}-")
    assert not set(number[-6:]) & set("01IO")


def test_verification_codes_are_random_and_url_safe() -> None:
    codes = {certificates.new_verification_code() for _ in range(200)}

    assert len(codes) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", c) for c in codes)


# --- Property 27 -------------------------------------------------------------------------------


async def test_property_27_the_pdf_is_stored_and_linked_to_the_enrollment(
    database: Database, storage: LocalStorage
) -> None:
    enrollment, _, _ = await completed_enrollment(database)

    cert = await issue_certificate(database, storage, get_settings(), enrollment_id=enrollment.id)

    assert cert.pdf_storage_key == f"certificates/{cert.id}.pdf"
    info = await storage.head(cert.pdf_storage_key)
    assert info is not None
    assert info.content_type == "application/pdf"
    assert info.size > 1000
    [linked] = await rows(database, Certificate, Certificate.enrollment_id == enrollment.id)
    assert linked.id == cert.id


async def test_property_27_the_student_is_emailed_and_notified(
    database: Database, storage: LocalStorage
) -> None:
    enrollment, student, taught = await completed_enrollment(database)

    cert = await issue_certificate(database, storage, get_settings(), enrollment_id=enrollment.id)

    [mail] = await rows(database, EmailLog)
    assert (mail.template, mail.recipient, mail.user_id) == (
        "certificate_issued",
        student.email,
        student.id,
    )
    assert mail.context == {
        "first_name": "Ada",
        "course_title": taught.title,
        "certificate_number": cert.certificate_number,
        "link": verification_url(get_settings(), cert.verification_code),
    }
    [note] = await rows(database, Notification)
    assert (note.recipient_id, note.type) == (student.id, NotificationType.CERTIFICATE_ISSUED)
    assert note.metadata_["certificate_id"] == str(cert.id)


async def test_property_27_a_storage_failure_issues_nothing(
    database: Database, storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    enrollment, _, _ = await completed_enrollment(database)

    async def broken(key: str, data: bytes, content_type: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(storage, "put", broken)
    with pytest.raises(OSError, match="disk full"):
        await issue_certificate(database, storage, get_settings(), enrollment_id=enrollment.id)

    assert await rows(database, Certificate) == []
    assert await rows(database, EmailLog) == []
    assert await rows(database, Notification) == []


def test_the_verification_url_is_the_frontend_page_of_the_code() -> None:
    base = Settings(frontend_url="https://learn.example/")

    assert verification_url(base, "abc") == "https://learn.example/certificates/verify/abc"


# --- the worker path ---------------------------------------------------------------------------


async def test_property_27_completion_travels_outbox_relay_broker_and_actor_to_a_certificate(
    database: Database, worker: Any
) -> None:
    from app.integrations.storage import make_storage
    from workers.broker import broker
    from workers.relay import dispatch

    broker.flush_all()
    enrollment, student, _ = await completed_enrollment(database)
    async with database.transaction() as session:
        await emit(session, certificates.COURSE_COMPLETED, {"enrollment_id": str(enrollment.id)})

    assert await relay_once(database, dispatch) == 1
    await asyncio.to_thread(broker.join, "default", timeout=20_000)

    [cert] = await rows(database, Certificate)
    assert (cert.enrollment_id, cert.user_id) == (enrollment.id, student.id)
    assert cert.pdf_storage_key is not None
    assert await make_storage(get_settings()).head(cert.pdf_storage_key) is not None
    [mail] = await rows(database, EmailLog)
    assert mail.template == "certificate_issued"
    async with database.session() as session:
        pending = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.topic == "email.send")
        )
    assert pending == 1


def test_the_completion_event_that_enrollment_emits_is_routed_to_the_certificate_actor() -> None:
    from app.learning.progress import COURSE_COMPLETED_TOPIC
    from workers.relay import ROUTES

    assert COURSE_COMPLETED_TOPIC == certificates.COURSE_COMPLETED
    assert COURSE_COMPLETED_TOPIC in ROUTES


async def test_property_26_completing_every_lesson_earns_the_certificate_through_the_worker(
    database: Database, worker: Any
) -> None:
    from app.catalog.models import Lesson
    from app.learning import progress, service
    from workers.broker import broker
    from workers.relay import dispatch

    broker.flush_all()
    student = await person(database, first_name="Alan", last_name="Turing")
    taught = await course(database, (await instructor(database)).id, modules=1, lessons=2, tiers=())
    async with database.transaction() as session:
        enrollment = await service.enroll_student(
            session, student_id=student.id, course_id=taught.id, source=EnrollmentSource.FREE
        )
    for lesson in await rows(database, Lesson, Lesson.course_id == taught.id):
        async with database.transaction() as session:
            await progress.complete_lesson(session, student_id=student.id, lesson_id=lesson.id)

    await relay_once(database, dispatch)
    await asyncio.to_thread(broker.join, "default", timeout=20_000)

    [cert] = await rows(database, Certificate)
    assert (cert.enrollment_id, cert.student_name) == (enrollment.id, "Alan Turing")
    [mail] = await rows(database, EmailLog, EmailLog.template == "certificate_issued")
    assert mail.recipient == student.email
