"""A send interrupted by a killed worker is settled on redelivery: never sent twice.

`WorkerKilled` stands for SIGKILL: it is no `Exception`, so nothing in the delivery code handles
it and no later write happens — what a killed worker leaves behind. (The real kill of a worker
process is in tests/faults.)
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from app.db import Database
from app.integrations.mail import FileMailer, Mailer, OutgoingEmail, SmtpMailer
from app.notifications.models import EmailStatus
from app.notifications.service import INTERRUPTED, REDACTED, deliver_email
from app.settings import get_settings
from tests.notifications.test_email import (
    CountingMailer,
    Inbox,
    eml_files,
    load,
    queue,
    smtp_server,
)

__all__ = ["smtp_server"]  # the fixture


class WorkerKilled(BaseException):
    pass


class DyingFileMailer(FileMailer):
    def __init__(self, directory: Path, *, after_writing: bool) -> None:
        super().__init__(directory, sender="Test <no-reply@test.local>")
        self.after_writing = after_writing

    async def send(self, email: OutgoingEmail) -> str:
        if self.after_writing:
            await super().send(email)
        raise WorkerKilled


async def killed_send(database: Database, mailer: Mailer) -> uuid.UUID:
    """A queued e-mail whose first send was cut short by `mailer` dying."""
    email_id = await queue(database)
    with pytest.raises(WorkerKilled):
        await deliver_email(database, email_id, mailer=mailer)
    return email_id


async def test_a_send_records_sending_before_the_mailer_is_called(
    database: Database, tmp_path: Path
) -> None:
    email_id = await killed_send(database, DyingFileMailer(tmp_path, after_writing=False))
    log = await load(database, email_id)
    assert (log.status, log.attempts) == (EmailStatus.SENDING, 1)


async def test_a_killed_send_whose_file_was_written_is_marked_sent_without_a_second_file(
    database: Database, tmp_path: Path
) -> None:
    email_id = await killed_send(database, DyingFileMailer(tmp_path, after_writing=True))

    retry = CountingMailer(tmp_path)
    assert await deliver_email(database, email_id, mailer=retry) is EmailStatus.SENT
    assert retry.sent == []
    assert len(eml_files(tmp_path)) == 1
    log = await load(database, email_id)
    assert log.sent_at is not None
    assert log.context["link"] == REDACTED


async def test_a_killed_send_that_wrote_nothing_is_sent_once_on_redelivery(
    database: Database, tmp_path: Path
) -> None:
    email_id = await killed_send(database, DyingFileMailer(tmp_path, after_writing=False))

    retry = CountingMailer(tmp_path)
    assert await deliver_email(database, email_id, mailer=retry) is EmailStatus.SENT
    assert len(retry.sent) == 1
    assert len(eml_files(tmp_path)) == 1
    assert (await load(database, email_id)).attempts == 2


async def test_a_killed_smtp_send_is_marked_failed_instead_of_being_sent_twice(
    database: Database, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    settings = get_settings().model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
    )

    class DyingSmtpMailer(SmtpMailer):
        async def send(self, email: OutgoingEmail) -> str:
            await super().send(email)
            raise WorkerKilled

    email_id = await killed_send(database, DyingSmtpMailer(settings))

    status = await deliver_email(database, email_id, mailer=SmtpMailer(settings))
    assert status is EmailStatus.FAILED
    assert len(inbox.envelopes) == 1
    log = await load(database, email_id)
    assert log.error_message == INTERRUPTED
    assert log.context["link"] == REDACTED
