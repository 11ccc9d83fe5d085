"""Fan-out of an event to its webhooks, and one attempt of one delivery.

Signature: `X-EasyWays-Signature: t=<unix seconds>,v1=<hex>` where hex is
HMAC-SHA256(secret, f"{t}.{body}") over the exact body bytes sent (docs/api.md shows how to check
it). Each attempt is signed afresh; a retry or a redelivery sends the same body.

An attempt holds its delivery row locked while it sends (at most the 10 s timeout), so a
duplicate message of the same attempt waits and then finds the attempt already recorded: a
delivery that succeeded is never sent again by a retried job. A worker that dies mid-send rolls
back, and Dramatiq's redelivery of its message makes the attempt again. The next attempt of a
failed one is queued through the outbox (due after its backoff) in the transaction that records
the failure, so a worker dying in between loses no retry.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson
import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import UserRole
from app.catalog import access_by_user_ids, get_course
from app.clock import utcnow
from app.db import Database
from app.settings import Settings
from app.webhooks import repo
from app.webhooks.models import (
    COURSE_EVENTS,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookStatus,
)
from app.webhooks.render import EventEnvelope, RenderFailed, RenderScope, get_renderer
from app.webhooks.service import open_secret, queue_delivery
from app.webhooks.ssrf import (
    Resolve,
    Target,
    UnsafeUrl,
    check_url,
    loopback_allowed,
    system_resolve,
)

SIGNATURE_HEADER = "X-EasyWays-Signature"
EVENT_HEADER = "X-EasyWays-Event"
DELIVERY_HEADER = "X-EasyWays-Delivery"
WEBHOOK_HEADER = "X-EasyWays-Webhook"
USER_AGENT = "EasyWays-Webhooks/1.0"
CONNECT_TIMEOUT_SECONDS = 5.0
TOTAL_TIMEOUT_SECONDS = 10.0
RESPONSE_KEPT_BYTES = 1024

log = structlog.get_logger(__name__)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of f"{timestamp}.{body}" with the webhook's secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def retry_delay(settings: Settings, attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: base * 2^(attempts-1), capped."""
    exponent = min(max(attempts - 1, 0), 30)
    delay = float(settings.webhook_retry_base_seconds) * float(2**exponent)
    return min(delay, float(settings.webhook_retry_max_seconds))


# --- fan-out -----------------------------------------------------------------------------------


async def fan_out(db: Database, event_id: uuid.UUID, payload: dict[str, Any]) -> list[uuid.UUID]:
    """One PENDING delivery per active webhook that subscribes to the event and may receive it;
    returns the deliveries not yet attempted (idempotent: a repeated call adds none)."""
    envelope = EventEnvelope.from_payload(payload)
    async with db.transaction() as session:
        found = await repo.subscribers(session, str(envelope.event))
        receivers = await _receivers(session, envelope, found)
        await repo.add_deliveries(
            session,
            webhook_ids=receivers,
            event=str(envelope.event),
            event_id=event_id,
            event_data=payload,
        )
        return await repo.unsent_deliveries_of_event(session, event_id)


async def _receivers(
    session: AsyncSession,
    envelope: EventEnvelope,
    found: list[tuple[uuid.UUID, uuid.UUID, str]],
) -> list[uuid.UUID]:
    admins = [w for w, _, role in found if role == UserRole.ADMIN]
    instructors = [(w, o) for w, o, role in found if role == UserRole.INSTRUCTOR]
    if not instructors or envelope.event not in COURSE_EVENTS or envelope.course_id is None:
        return admins
    course = await get_course(session, envelope.course_id)
    if course is None:
        return admins
    owners = list(dict.fromkeys(o for _, o in instructors))
    access = dict(zip(owners, await access_by_user_ids(session, owners), strict=True))
    teaching = [
        w for w, o in instructors if course.instructor_id == o or course.id in access[o].teaching
    ]
    return admins + teaching


# --- one attempt ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int | None
    body: str | None
    latency_ms: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def deliver(
    db: Database,
    redis: Redis,
    settings: Settings,
    delivery_id: uuid.UUID,
    *,
    attempt: int,
    resolve: Resolve = system_resolve,
    transport: httpx.AsyncBaseTransport | None = None,
) -> float | None:
    """Make attempt number `attempt` (0-based) of a delivery; returns the seconds to wait before
    the next attempt, or None when there is none to make (sent, given up, paused, or this
    message is stale: the delivery is past that attempt)."""
    async with db.transaction() as session:
        delivery = await repo.get_delivery(session, delivery_id, for_update=True)
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return None
        if delivery.attempts != attempt:
            return None
        webhook = await repo.get_webhook(session, delivery.webhook_id)
        if webhook is None or webhook.status != WebhookStatus.ACTIVE:
            return None  # a paused webhook's deliveries wait for resumeWebhook
        now = utcnow()
        if delivery.body is None:
            try:
                delivery.body = await _render(session, db, redis, settings, delivery, webhook)
            except RenderFailed as exc:
                delivery.status = DeliveryStatus.FAILED
                delivery.error = f"The subscription query failed: {exc}"[:2000]
                delivery.last_attempt_at = now
                return None
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.id),
            WEBHOOK_HEADER: str(webhook.id),
        }
        body = delivery.body.encode()
        timestamp = int(now.timestamp())
        headers[SIGNATURE_HEADER] = signature_header(
            open_secret(settings, webhook), timestamp, body
        )
        response = await _send(settings, webhook.url, headers, body, resolve, transport)
        delivery.attempts = attempt + 1
        delivery.last_attempt_at = now
        delivery.response_status = response.status
        delivery.response_body = response.body
        delivery.latency_ms = response.latency_ms
        delivery.error = response.error
        if response.ok:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            await repo.record_success(session, webhook.id)
            return None
        status = await repo.record_failure(
            session, webhook.id, threshold=settings.webhook_failure_threshold, now=now
        )
        log.warning(
            "webhook.delivery_failed",
            delivery_id=str(delivery.id),
            webhook_id=str(webhook.id),
            attempts=delivery.attempts,
            status=response.status,
            error=response.error,
        )
        if delivery.attempts >= settings.webhook_max_attempts:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            return None
        if status == WebhookStatus.PAUSED:
            delivery.next_attempt_at = None
            return None
        delay = retry_delay(settings, delivery.attempts)
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        await queue_delivery(session, delivery.id, delivery.attempts, delay_seconds=delay)
        return delay


async def _render(
    session: AsyncSession,
    db: Database,
    redis: Redis,
    settings: Settings,
    delivery: WebhookDelivery,
    webhook: Webhook,
) -> str:
    owner = await repo.get_owner(session, webhook.owner_id)
    if owner is None:
        raise RenderFailed("the webhook's owner no longer exists")
    envelope = EventEnvelope.from_payload(delivery.event_data)
    data = await get_renderer().render(
        webhook.subscription_query, envelope, owner, RenderScope(db, redis, settings)
    )
    return orjson.dumps(data).decode()


def _pinned(target: Target) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL with the checked address in place of the name, the Host header and the TLS name."""
    parts = urlsplit(target.url)
    address = f"[{target.address}]" if ":" in target.address else target.address
    netloc = f"{address}:{parts.port}" if parts.port else address
    url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host = parts.netloc.rsplit("@", 1)[-1]
    extensions = {"sni_hostname": target.host} if parts.scheme == "https" else {}
    return url, {"Host": host}, extensions


async def _send(
    settings: Settings,
    url: str,
    headers: dict[str, str],
    body: bytes,
    resolve: Resolve,
    transport: httpx.AsyncBaseTransport | None,
) -> Response:
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        target = await check_url(url, allow_loopback=loopback_allowed(settings), resolve=resolve)
    except UnsafeUrl as exc:
        return Response(None, None, elapsed(), f"Refused: {exc}")
    pinned_url, host, extensions = _pinned(target)
    timeout = httpx.Timeout(TOTAL_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
    try:
        async with (
            asyncio.timeout(TOTAL_TIMEOUT_SECONDS),
            httpx.AsyncClient(
                timeout=timeout, follow_redirects=False, transport=transport, trust_env=False
            ) as client,
        ):
            request = client.build_request(
                "POST", pinned_url, content=body, headers={**headers, **host}, extensions=extensions
            )
            response = await client.send(request, stream=True)
            try:
                kept = await _head(response)
            finally:
                await response.aclose()
    except TimeoutError:
        return Response(None, None, elapsed(), f"Timed out after {TOTAL_TIMEOUT_SECONDS:g} s")
    except httpx.HTTPError as exc:
        return Response(None, None, elapsed(), f"{type(exc).__name__}: {exc}"[:2000])
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return Response(response.status_code, kept, elapsed(), error)


async def _head(response: httpx.Response) -> str:
    kept = b""
    async for chunk in response.aiter_bytes():
        kept += chunk
        if len(kept) >= RESPONSE_KEPT_BYTES:
            break
    return kept[:RESPONSE_KEPT_BYTES].decode("utf-8", "replace")
