"""Outgoing e-mail behind one small interface, with two real backends.

`FileMailer` (the embedded default) writes each message as an RFC 5322 `.eml` file under
`{DATA_DIR}/outbox/` and logs a line; `SmtpMailer` hands it to any SMTP relay with aiosmtplib.
Both build the same multipart/alternative (text + HTML) message, whose Message-ID is derived from
the e-mail id. `delivered` says whether a message was already handed over — what a send that was
interrupted (a killed worker) needs to know before trying again: the file mailer can tell, an
SMTP relay cannot (None).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Protocol

import aiosmtplib
import structlog

from app.settings import Settings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class OutgoingEmail:
    email_id: uuid.UUID
    to: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


class Mailer(Protocol):
    async def send(self, email: OutgoingEmail) -> str:
        """Send `email`; return the provider's message id (our Message-ID header)."""
        ...

    async def delivered(self, email_id: uuid.UUID) -> bool | None:
        """Whether the e-mail `email_id` was handed over already; None when this cannot be known."""
        ...


def build_message(email: OutgoingEmail, *, sender: str) -> EmailMessage:
    """An RFC 5322 message: multipart/alternative with the text part first, then HTML."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(addr_spec=email.to)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<{email.email_id}@{domain}>"  # stable across retries
    message["X-Easyways-Email-Id"] = str(email.email_id)
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:  # the message becomes multipart/mixed
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


class FileMailer:
    """Writes `<utc timestamp>-<email id>.eml` files into a directory (atomically)."""

    def __init__(self, directory: Path, *, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    async def send(self, email: OutgoingEmail) -> str:
        message = build_message(email, sender=self.sender)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.directory / f"{stamp}-{email.email_id}.eml"
        await asyncio.to_thread(_write_atomically, path, message.as_bytes())
        log.info(
            "email.written", path=str(path), email_id=str(email.email_id), subject=email.subject
        )
        return str(message["Message-ID"])

    async def delivered(self, email_id: uuid.UUID) -> bool:
        """Files are written atomically (a partial one is hidden): one exists once it was sent."""
        return await asyncio.to_thread(self._exists, email_id)

    def _exists(self, email_id: uuid.UUID) -> bool:
        return any(self.directory.glob(f"*-{email_id}.eml"))


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


class SmtpMailer:
    """Sends through an SMTP relay (STARTTLS or implicit TLS, optional login)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, email: OutgoingEmail) -> str:
        s = self.settings
        message = build_message(email, sender=s.mail_from)
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            use_tls=s.smtp_use_tls,
            start_tls=False if s.smtp_use_tls else s.smtp_starttls,
            timeout=s.smtp_timeout_seconds,
        )
        log.info("email.sent", host=s.smtp_host, port=s.smtp_port, email_id=str(email.email_id))
        return str(message["Message-ID"])

    async def delivered(self, email_id: uuid.UUID) -> None:
        """A relay keeps no record we could ask: an interrupted send cannot be told apart."""
        return None


def make_mailer(settings: Settings) -> Mailer:
    if settings.mail_backend == "smtp":
        return SmtpMailer(settings)
    return FileMailer(settings.data_dir / "outbox", sender=settings.mail_from)
