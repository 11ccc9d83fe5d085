"""The newsletter: double opt-in subscriptions and one-click signed unsubscribe links.

- `subscribe_newsletter` answers the same whatever the address's state (no enumeration). A new
  (or unsubscribed) address becomes `pending` and is sent a `newsletter_confirm` e-mail whose
  link `{frontend_url}/newsletter/confirm?token=…` carries a random one-time token (only its
  SHA-256 is stored); a pending address is sent a new link (the old one stops working); a
  subscribed address is sent nothing. Requests are throttled per address and per IP.
- `confirm_newsletter_subscription` turns a pending row with that token, sent less than
  CONFIRMATION_TTL ago, into `subscribed`; any other token is INVALID_LINK.
- Every newsletter e-mail carries `unsubscribe_url(settings, subscriber_id)`:
  `{public_api_url}/newsletter/unsubscribe?s=<subscriber id>&sig=<HMAC-SHA256>` (RFC 8058
  one-click, served by app/http/newsletter.py). The signature never expires; unsubscribing is
  idempotent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import throttle
from app.accounts.validation import email_errors, normalize_email
from app.clock import utcnow
from app.db import save
from app.errors import Common, FieldError, Invalid, UserFacingError
from app.notifications.errors import NotificationsCode
from app.notifications.models import NewsletterStatus, NewsletterSubscriber
from app.notifications.service import queue_email
from app.security.crypto import new_token, token_hash
from app.settings import Settings

CONFIRMATION_TTL = timedelta(days=7)
MAX_NAME_LENGTH = 150
MAX_SOURCE_LENGTH = 60
TEMPLATE = "newsletter_confirm"
_SIGNING_CONTEXT = b"easyways/newsletter-unsubscribe/v1"


# --- signed unsubscribe links ---------------------------------------------------------------------


def _signing_key(settings: Settings) -> bytes:
    return hmac.new(settings.secret_key.encode(), _SIGNING_CONTEXT, hashlib.sha256).digest()


def unsubscribe_signature(settings: Settings, subscriber_id: uuid.UUID) -> str:
    mac = hmac.new(_signing_key(settings), subscriber_id.bytes, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def valid_signature(settings: Settings, subscriber_id: uuid.UUID, signature: str) -> bool:
    expected = unsubscribe_signature(settings, subscriber_id)
    return hmac.compare_digest(expected.encode(), signature.strip().rstrip("=").encode())


def unsubscribe_url(settings: Settings, subscriber_id: uuid.UUID) -> str:
    """The one-click link (and `List-Unsubscribe` target) of every newsletter e-mail."""
    query = urlencode(
        {"s": str(subscriber_id), "sig": unsubscribe_signature(settings, subscriber_id)}
    )
    return f"{settings.public_api_url.rstrip('/')}/newsletter/unsubscribe?{query}"


def confirmation_link(settings: Settings, token: str) -> str:
    return f"{settings.frontend_url.rstrip('/')}/newsletter/confirm?{urlencode({'token': token})}"


def invalid_link(field: str) -> Invalid:
    return Invalid(field, "This link is invalid or has expired", NotificationsCode.INVALID_LINK)


# --- subscribing ----------------------------------------------------------------------------------


def _input_errors(email: str, name: str | None) -> list[FieldError]:
    errors = email_errors(email)
    if name is not None and len(name.strip()) > MAX_NAME_LENGTH:
        errors.append(FieldError("name", f"At most {MAX_NAME_LENGTH} characters", Common.TOO_LONG))
    return errors


async def subscribe_newsletter(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    email: str,
    name: str | None = None,
    ip: str | None = None,
    user_id: uuid.UUID | None = None,
    source: str | None = None,
) -> None:
    """Ask for a confirmation e-mail; the same (empty) answer whatever the address's state."""
    if errors := _input_errors(email, name):
        raise UserFacingError(errors)
    address = normalize_email(email)
    window = settings.email_requests_window_seconds
    await throttle.take(
        redis,
        throttle.Bucket(
            throttle.ip_key("newsletter", ip), settings.email_requests_max_per_ip, window
        ),
        throttle.Bucket(
            throttle.email_key("newsletter", address), settings.email_requests_max_per_email, window
        ),
    )
    cleaned_name = (" ".join(name.split()) or None) if name is not None else None
    await session.execute(
        insert(NewsletterSubscriber)
        .values(
            id=uuid.uuid4(),
            email=address,
            name=cleaned_name,
            user_id=user_id,
            status=NewsletterStatus.PENDING,
            source=(source or "")[:MAX_SOURCE_LENGTH] or None,
        )
        .on_conflict_do_nothing(index_elements=[NewsletterSubscriber.email])
    )
    row = await session.scalar(
        select(NewsletterSubscriber)
        .where(NewsletterSubscriber.email == address)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    if row.status == NewsletterStatus.SUBSCRIBED:
        return
    raw = new_token()
    row.status = NewsletterStatus.PENDING
    row.confirmation_token_hash = token_hash(raw)
    row.confirmation_sent_at = utcnow()
    row.unsubscribed_at = None
    if cleaned_name is not None:
        row.name = cleaned_name
    if user_id is not None and row.user_id is None:
        row.user_id = user_id
    await session.flush()
    await queue_email(
        session,
        to=row.email,
        template=TEMPLATE,
        user_id=row.user_id,
        context={
            "name": row.name,
            "link": confirmation_link(settings, raw),
            "unsubscribe_url": unsubscribe_url(settings, row.id),
        },
    )


async def confirm_newsletter_subscription(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    token: str,
    ip: str | None = None,
) -> NewsletterSubscriber:
    """Confirm with the e-mailed token (once, within CONFIRMATION_TTL); INVALID_LINK else."""
    await throttle.take(
        redis,
        throttle.Bucket(
            throttle.ip_key("token", ip),
            settings.token_attempts_max_per_ip,
            settings.token_attempts_window_seconds,
        ),
    )
    if not 0 < len(token) <= 256:
        raise invalid_link("token")
    now = utcnow()
    row = await session.scalar(
        select(NewsletterSubscriber)
        .where(
            NewsletterSubscriber.confirmation_token_hash == token_hash(token),
            NewsletterSubscriber.status == NewsletterStatus.PENDING,
            NewsletterSubscriber.confirmation_sent_at > now - CONFIRMATION_TTL,
        )
        .with_for_update()
    )
    if row is None:
        raise invalid_link("token")
    row.status = NewsletterStatus.SUBSCRIBED
    row.confirmed_at = now
    row.confirmation_token_hash = None
    await save(session, row)
    return row


# --- unsubscribing --------------------------------------------------------------------------------


async def unsubscribe_newsletter(
    session: AsyncSession,
    *,
    settings: Settings,
    subscriber_id: uuid.UUID,
    signature: str,
    field: str = "signature",
) -> NewsletterSubscriber:
    """Unsubscribe with a signed link (idempotent); INVALID_LINK for a bad signature."""
    if not valid_signature(settings, subscriber_id, signature):
        raise invalid_link(field)
    row = await session.scalar(
        select(NewsletterSubscriber)
        .where(NewsletterSubscriber.id == subscriber_id)
        .with_for_update()
    )
    if row is None:  # signed by us, since erased: nothing is left to stop
        raise invalid_link(field)
    if row.status != NewsletterStatus.UNSUBSCRIBED:
        row.status = NewsletterStatus.UNSUBSCRIBED
        row.unsubscribed_at = utcnow()
        row.confirmation_token_hash = None
        await save(session, row)
    return row
