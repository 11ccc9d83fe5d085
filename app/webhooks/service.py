"""Outbound webhooks: who may subscribe to what, and the webhook's life cycle.

- Students may not create webhooks (FORBIDDEN). Instructors subscribe to course events only
  (enrollment created, course completed, certificate issued, course published) and receive them
  for the courses they own or co-teach; admins subscribe to every event.
- A webhook is seen and changed by its owner (and admins); one you may not see is NOT_FOUND.
- The URL is checked (app.webhooks.ssrf) and the subscription query validated (the registered
  renderer) when saved; the secret is stored encrypted and shown once, when set.
- Queuing a delivery goes through the outbox (topic DELIVER_TOPIC) in the caller's transaction.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.accounts.models import UserRole
from app.errors import Common, FieldError, Invalid, NotFound, collect
from app.outbox import emit
from app.pagination import Page, PageRequest
from app.security.crypto import decrypt, encrypt
from app.security.permissions import Actor, require_role
from app.settings import Settings
from app.webhooks import repo
from app.webhooks.errors import WebhooksCode
from app.webhooks.models import (
    COURSE_EVENTS,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    WebhookStatus,
)
from app.webhooks.render import get_renderer
from app.webhooks.ssrf import Resolve, UnsafeUrl, check_url, loopback_allowed, system_resolve

DELIVER_TOPIC = "webhooks.deliver"
SECRET_PURPOSE = b"webhook-secret"
MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 200
MAX_QUERY_LENGTH = 10_000


@dataclass(frozen=True)
class SavedWebhook:
    webhook: Webhook
    secret: str | None  # set only when this call set the secret: shown once


def seal_secret(settings: Settings, secret: str) -> bytes:
    return encrypt(settings.secret_key, SECRET_PURPOSE, secret.encode())


def open_secret(settings: Settings, webhook: Webhook) -> str:
    return decrypt(settings.secret_key, SECRET_PURPOSE, webhook.secret_encrypted).decode()


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def is_admin(actor: Actor) -> bool:
    return actor.role == UserRole.ADMIN and not actor.admin_mfa_missing


def _require_manager(actor: Actor) -> None:
    require_role(actor, UserRole.INSTRUCTOR, UserRole.ADMIN)
    if actor.role == UserRole.ADMIN:
        require_role(actor, UserRole.ADMIN)  # and the admin's second factor, when required


async def _owned(
    session: AsyncSession, actor: Actor, webhook_id: uuid.UUID, *, for_update: bool = False
) -> Webhook:
    webhook = await repo.get_webhook(session, webhook_id, for_update=for_update)
    if webhook is None or not (webhook.owner_id == actor.id or is_admin(actor)):
        raise NotFound("Webhook")
    return webhook


# --- validation --------------------------------------------------------------------------------


async def _url_errors(settings: Settings, url: str, resolve: Resolve) -> list[FieldError]:
    try:
        await check_url(url, allow_loopback=loopback_allowed(settings), resolve=resolve)
    except UnsafeUrl as exc:
        return [FieldError("url", str(exc), WebhooksCode.UNSAFE_URL)]
    return []


def _event_errors(actor: Actor, events: list[WebhookEvent]) -> list[FieldError]:
    if not events:
        return [FieldError("events", "Subscribe to at least one event", Common.REQUIRED)]
    if actor.role != UserRole.ADMIN:
        refused = [str(e) for e in events if e not in COURSE_EVENTS]
        if refused:
            return [
                FieldError(
                    "events",
                    "Instructors may subscribe to course events only, not " + ", ".join(refused),
                    WebhooksCode.EVENT_NOT_ALLOWED,
                )
            ]
    return []


def _query_errors(settings: Settings, document: str) -> list[FieldError]:
    field = "subscription_query"
    if not document.strip():
        return [FieldError(field, "Enter a subscription query", Common.REQUIRED)]
    if len(document) > MAX_QUERY_LENGTH:
        return [FieldError(field, f"Keep it under {MAX_QUERY_LENGTH} characters", Common.TOO_LONG)]
    problem = get_renderer().check(document, settings)
    if problem is not None:
        return [FieldError(field, problem, WebhooksCode.INVALID_SUBSCRIPTION_QUERY)]
    return []


def _secret_errors(secret: str) -> list[FieldError]:
    if len(secret) < MIN_SECRET_LENGTH:
        return [
            FieldError("secret", f"Use at least {MIN_SECRET_LENGTH} characters", Common.TOO_SHORT)
        ]
    if len(secret) > MAX_SECRET_LENGTH:
        return [
            FieldError("secret", f"Keep it under {MAX_SECRET_LENGTH} characters", Common.TOO_LONG)
        ]
    return []


def _unique(events: list[WebhookEvent]) -> list[str]:
    return [str(e) for e in dict.fromkeys(WebhookEvent(e) for e in events)]


# --- the life cycle ----------------------------------------------------------------------------


async def create_webhook(
    session: AsyncSession,
    *,
    actor: Actor,
    settings: Settings,
    url: str,
    events: list[WebhookEvent],
    subscription_query: str,
    secret: str | None = None,
    api_key_id: uuid.UUID | None = None,
    resolve: Resolve = system_resolve,
) -> SavedWebhook:
    """A webhook owned by the caller (instructors and admins); its secret is generated when not
    given, and returned this once."""
    _require_manager(actor)
    events = [WebhookEvent(e) for e in events]
    chosen = secret if secret is not None else new_secret()
    collect(
        await _url_errors(settings, url, resolve)
        + _event_errors(actor, events)
        + _query_errors(settings, subscription_query)
        + _secret_errors(chosen)
    )
    webhook = Webhook(
        owner_id=actor.id,
        api_key_id=api_key_id,
        url=url.strip(),
        events=_unique(events),
        subscription_query=subscription_query,
        secret_encrypted=seal_secret(settings, chosen),
    )
    await db.add(session, webhook)
    await db.save(session, webhook)
    return SavedWebhook(webhook, chosen)


async def update_webhook(
    session: AsyncSession,
    *,
    actor: Actor,
    settings: Settings,
    webhook_id: uuid.UUID,
    url: str | None = None,
    events: list[WebhookEvent] | None = None,
    subscription_query: str | None = None,
    secret: str | None = None,
    resolve: Resolve = system_resolve,
) -> SavedWebhook:
    """Changes what is given (None keeps it); a new secret is returned this once."""
    _require_manager(actor)
    webhook = await _owned(session, actor, webhook_id, for_update=True)
    errors: list[FieldError] = []
    if url is not None:
        errors += await _url_errors(settings, url, resolve)
    if events is not None:
        events = [WebhookEvent(e) for e in events]
        errors += _event_errors(actor, events)
    if subscription_query is not None:
        errors += _query_errors(settings, subscription_query)
    if secret is not None:
        errors += _secret_errors(secret)
    collect(errors)
    if url is not None:
        webhook.url = url.strip()
    if events is not None:
        webhook.events = _unique(events)
    if subscription_query is not None:
        webhook.subscription_query = subscription_query
    if secret is not None:
        webhook.secret_encrypted = seal_secret(settings, secret)
    await db.save(session, webhook)
    return SavedWebhook(webhook, secret)


async def delete_webhook(session: AsyncSession, *, actor: Actor, webhook_id: uuid.UUID) -> None:
    """The webhook and its delivery log are gone; nothing more is sent to it."""
    webhook = await _owned(session, actor, webhook_id, for_update=True)
    await db.delete_row(session, webhook)


async def resume_webhook(
    session: AsyncSession, *, actor: Actor, webhook_id: uuid.UUID, redeliver: bool = True
) -> Webhook:
    """PAUSED → ACTIVE with its failure count reset; `redeliver` queues again every delivery that
    was waiting when it was paused (else they are marked FAILED). Owners and admins."""
    webhook = await _owned(session, actor, webhook_id, for_update=True)
    webhook.status = WebhookStatus.ACTIVE
    webhook.consecutive_failures = 0
    webhook.paused_at = None
    for delivery_id, attempts in await repo.pending_deliveries_of_webhook(session, webhook.id):
        if redeliver:
            await queue_delivery(session, delivery_id, attempts)
        else:
            delivery = await repo.get_delivery(session, delivery_id, for_update=True)
            if delivery is not None:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
                delivery.error = delivery.error or "Not sent: the webhook was paused"
    await db.save(session, webhook)
    return webhook


async def redeliver(
    session: AsyncSession, *, actor: Actor, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """A new delivery of the same payload (same body, a fresh signature), queued now."""
    original = await repo.get_delivery(session, delivery_id)
    if original is None:
        raise NotFound("Webhook delivery")
    await _owned(session, actor, original.webhook_id)
    if original.body is None:
        raise Invalid(
            "delivery_id",
            "This delivery was never rendered: there is nothing to send again",
            WebhooksCode.NOT_REDELIVERABLE,
        )
    copy = WebhookDelivery(
        webhook_id=original.webhook_id,
        event=original.event,
        event_id=original.event_id,
        event_data=original.event_data,
        body=original.body,
        redelivery_of_id=original.id,
    )
    await db.add(session, copy)
    await queue_delivery(session, copy.id, 0)
    await db.save(session, copy)
    return copy


async def queue_delivery(
    session: AsyncSession, delivery_id: uuid.UUID, attempt: int, *, delay_seconds: float = 0.0
) -> None:
    """Attempt `attempt` of a delivery, due after `delay_seconds`, queued in the caller's
    transaction (a retry is never lost between recording a failure and scheduling the next)."""
    await emit(
        session,
        DELIVER_TOPIC,
        {"delivery_id": str(delivery_id), "attempt": attempt},
        delay_seconds=delay_seconds,
    )


# --- reads -------------------------------------------------------------------------------------


async def list_webhooks(
    session: AsyncSession, *, actor: Actor, request: PageRequest, with_total: bool = False
) -> Page[Webhook]:
    """Yours, newest first; admins see every webhook."""
    owner = None if is_admin(actor) else actor.id
    return await repo.page_webhooks(session, owner_id=owner, request=request, with_total=with_total)


async def list_deliveries(
    session: AsyncSession,
    *,
    actor: Actor,
    webhook_id: uuid.UUID,
    request: PageRequest,
    with_total: bool = False,
) -> Page[WebhookDelivery]:
    """A webhook's deliveries, newest first (its owner and admins)."""
    await _owned(session, actor, webhook_id)
    return await repo.page_deliveries(
        session, webhook_id=webhook_id, request=request, with_total=with_total
    )


async def visible_webhooks(
    session: AsyncSession, *, actor: Actor | None, ids: list[uuid.UUID]
) -> list[Webhook | None]:
    rows = await repo.webhooks_by_ids(session, ids)
    return [w if w is not None and _may_see(actor, w) else None for w in rows]


async def visible_deliveries(
    session: AsyncSession, *, actor: Actor | None, ids: list[uuid.UUID]
) -> list[WebhookDelivery | None]:
    rows = await repo.deliveries_by_ids(session, ids)
    hooks = await repo.webhooks_by_ids(session, [d.webhook_id for d in rows if d is not None])
    owners = {w.id: w for w in hooks if w is not None}
    return [
        d
        if d is not None and d.webhook_id in owners and _may_see(actor, owners[d.webhook_id])
        else None
        for d in rows
    ]


def _may_see(actor: Actor | None, webhook: Webhook) -> bool:
    return actor is not None and (webhook.owner_id == actor.id or is_admin(actor))
