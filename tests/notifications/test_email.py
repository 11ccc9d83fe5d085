"""E-mail: templates render, queued e-mails are sent once, recorded, and their secrets redacted."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.db import Database
from app.errors import NotFound
from app.integrations.mail import FileMailer, OutgoingEmail, SmtpMailer
from app.notifications.email import TEMPLATES, render_email
from app.notifications.models import EmailLog, EmailStatus
from app.notifications.service import REDACTED, deliver_email, queue_email
from app.settings import get_settings

SAMPLE_CONTEXT: dict[str, Any] = {
    "first_name": "Ada",
    "link": "https://learn.example/verify?token=s3cret-one-time-token",
    "new_email": "ada.new@example.com",
}
LINK = SAMPLE_CONTEXT["link"]


def context_for(template: str) -> dict[str, Any]:
    return {key: SAMPLE_CONTEXT[key] for key in TEMPLATES[template]}


def eml_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.eml"))


def read_eml(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    assert part.get_content_type() == f"text/{subtype}"
    return str(part.get_content())


class FailingMailer:
    def __init__(self) -> None:
        self.calls = 0

    async def send(self, email: OutgoingEmail) -> str:
        self.calls += 1
        raise ConnectionRefusedError("smtp relay down")


class CountingMailer(FileMailer):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory, sender="Test <no-reply@test.local>")
        self.sent: list[OutgoingEmail] = []

    async def send(self, email: OutgoingEmail) -> str:
        await asyncio.sleep(0.05)  # hold the row lock long enough for a racing sender to wait
        self.sent.append(email)
        return await super().send(email)


async def queue(db: Database, template: str = "verify_email", **context: Any) -> uuid.UUID:
    async with db.transaction() as session:
        return await queue_email(
            session,
            to="ada@example.com",
            template=template,
            context=context or context_for(template),
        )


async def load(db: Database, email_id: uuid.UUID) -> EmailLog:
    async with db.session() as session:
        log = await session.get(EmailLog, email_id)
        assert log is not None
        return log


# --- delivery ---------------------------------------------------------------------------------


async def test_delivering_a_queued_email_writes_an_eml_with_text_and_html_parts(
    database: Database, tmp_path: Path
) -> None:
    email_id = await queue(database)
    mailer = FileMailer(tmp_path, sender="EasywaysSkills <no-reply@easyways.local>")

    assert await deliver_email(database, email_id, mailer=mailer) is EmailStatus.SENT

    [path] = eml_files(tmp_path)
    assert path.name.endswith(f"-{email_id}.eml")
    message = read_eml(path)
    assert message["Subject"] == "Confirm your e-mail address for EasywaysSkills"
    assert message["To"] == "ada@example.com"
    assert message["From"] == "EasywaysSkills <no-reply@easyways.local>"
    assert message["Date"]
    assert message["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    assert LINK in body(message, "plain")
    assert LINK in body(message, "html")


async def test_a_sent_email_is_logged_as_sent_with_its_subject_and_message_id(
    database: Database, tmp_path: Path
) -> None:
    email_id = await queue(database)
    await deliver_email(database, email_id, mailer=FileMailer(tmp_path, sender="a@b.c"))
    log = await load(database, email_id)
    assert log.status is EmailStatus.SENT
    assert log.subject == "Confirm your e-mail address for EasywaysSkills"
    assert log.sent_at is not None
    assert log.attempts == 1
    [path] = eml_files(tmp_path)
    assert log.provider_message_id == read_eml(path)["Message-ID"]


async def test_a_sent_email_keeps_no_one_time_link_in_the_database(
    database: Database, tmp_path: Path
) -> None:
    email_id = await queue(database)
    await deliver_email(database, email_id, mailer=FileMailer(tmp_path, sender="a@b.c"))
    log = await load(database, email_id)
    assert log.context == {"first_name": "Ada", "link": REDACTED}


async def test_delivering_the_same_email_twice_sends_it_once(
    database: Database, tmp_path: Path
) -> None:
    email_id = await queue(database)
    mailer = CountingMailer(tmp_path)
    await deliver_email(database, email_id, mailer=mailer)
    assert await deliver_email(database, email_id, mailer=mailer) is EmailStatus.SENT
    assert len(mailer.sent) == 1
    assert len(eml_files(tmp_path)) == 1


async def test_two_workers_delivering_the_same_email_at_once_send_it_once(
    database: Database, tmp_path: Path
) -> None:
    email_id = await queue(database)
    mailer = CountingMailer(tmp_path)
    results = await asyncio.gather(
        *(deliver_email(database, email_id, mailer=mailer) for _ in range(3))
    )
    assert results == [EmailStatus.SENT] * 3
    assert len(mailer.sent) == 1


async def test_a_send_failure_records_the_error_and_keeps_the_email_queued_for_a_retry(
    database: Database,
) -> None:
    email_id = await queue(database)
    status = await deliver_email(database, email_id, mailer=FailingMailer())
    assert status is EmailStatus.QUEUED
    log = await load(database, email_id)
    assert log.status is EmailStatus.QUEUED
    assert log.attempts == 1
    assert log.error_message == "ConnectionRefusedError: smtp relay down"
    assert log.context["link"] == LINK  # still needed by the retry


async def test_a_failure_on_the_last_attempt_marks_the_email_failed_and_redacts_it(
    database: Database,
) -> None:
    email_id = await queue(database)
    await deliver_email(database, email_id, mailer=FailingMailer())
    status = await deliver_email(database, email_id, mailer=FailingMailer(), final_attempt=True)
    assert status is EmailStatus.FAILED
    log = await load(database, email_id)
    assert (log.status, log.attempts) == (EmailStatus.FAILED, 2)
    assert log.context["link"] == REDACTED
    assert log.sent_at is None


async def test_a_failed_email_is_not_sent_again(database: Database, tmp_path: Path) -> None:
    email_id = await queue(database)
    await deliver_email(database, email_id, mailer=FailingMailer(), final_attempt=True)
    mailer = CountingMailer(tmp_path)
    assert await deliver_email(database, email_id, mailer=mailer) is EmailStatus.FAILED
    assert mailer.sent == []


async def test_an_unknown_template_fails_at_once_without_sending(
    database: Database, tmp_path: Path
) -> None:
    email_id = await queue(database, "no_such_template", first_name="Ada", token="abc")
    mailer = CountingMailer(tmp_path)
    assert await deliver_email(database, email_id, mailer=mailer) is EmailStatus.FAILED
    log = await load(database, email_id)
    assert "no_such_template" in (log.error_message or "")
    assert log.context == {"first_name": "Ada", "token": REDACTED}
    assert mailer.sent == []


async def test_delivering_an_unknown_email_id_is_not_found(database: Database) -> None:
    with pytest.raises(NotFound):
        await deliver_email(database, uuid.uuid4(), mailer=FailingMailer())


async def test_an_email_queued_in_a_rolled_back_transaction_does_not_exist(
    database: Database,
) -> None:
    class Abort(Exception):
        pass

    async def queue_then_fail() -> None:
        async with database.transaction() as session:
            await queue_email(session, to="a@b.c", template="welcome", context={})
            raise Abort

    with pytest.raises(Abort):
        await queue_then_fail()
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(EmailLog)) == 0


# --- SMTP ---------------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


async def test_smtp_mailer_delivers_through_a_real_smtp_server(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_server
    settings = get_settings().model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_starttls": False,
            "mail_from": "EasywaysSkills <no-reply@easyways.local>",
        }
    )
    rendered = render_email("welcome", context_for("welcome"))
    outgoing = OutgoingEmail(
        email_id=uuid.uuid4(),
        to="ada@example.com",
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
    )
    message_id = await SmtpMailer(settings).send(outgoing)

    [envelope] = inbox.envelopes
    assert envelope.mail_from == "no-reply@easyways.local"
    assert envelope.rcpt_tos == ["ada@example.com"]
    received = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(received, EmailMessage)
    assert received["Message-ID"] == message_id
    assert received["Subject"] == "Welcome to EasywaysSkills, Ada!"
    assert LINK in body(received, "html")


async def test_an_smtp_failure_is_recorded_on_the_email(database: Database) -> None:
    settings = get_settings().model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": free_port(),
            "smtp_starttls": False,
            "smtp_timeout_seconds": 2.0,
        }
    )
    email_id = await queue(database)
    assert await deliver_email(database, email_id, mailer=SmtpMailer(settings)) is (
        EmailStatus.QUEUED
    )
    log = await load(database, email_id)
    assert log.attempts == 1
    assert "SMTPConnect" in (log.error_message or "")
