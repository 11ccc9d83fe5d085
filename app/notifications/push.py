"""Web Push: the caller's browser subscriptions (push devices) and delivery of notifications.

A device is a browser's `PushSubscription`: its push service `endpoint` (kept in
`push_devices.token`, unique) and its keys `p256dh` (the browser's P-256 public key, 65 bytes)
and `auth` (16 bytes), both base64url. Registering the same endpoint again updates it (the
keys may have changed; the device belongs to whoever registers it now: only that browser knows
the endpoint). Endpoints must be https; in production they must name a public host (no
`localhost`, no literal loopback/private/link-local address); in development and test a
plain-http loopback endpoint is allowed so tests can run a local push service stand-in.

Delivery (`deliver_push`) runs in the worker for the outbox topic `push.send`
{"notification_id"}: it sends the recipient's devices one JSON payload
`{"title", "body", "url", "notificationId"}` encrypted (aes128gcm, RFC 8291) and signed with the
server's VAPID key (RFC 8292). A 404/410 answer means the subscription is gone: the device is
deleted. Any other failure counts in `failure_count` and raises `PushNotSent` (the actor is
retried). Each (notification, device) pair is sent at most once: a Redis key
`push:sent:<notification>:<device>` is set after the push service accepted it (kept
SENT_KEY_TTL_SECONDS), so a retry only sends the devices that still need it.
"""

from __future__ import annotations

import base64
import ipaddress
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import aiohttp
import orjson
import structlog
from py_vapid import Vapid02
from pywebpush import WebPusher
from redis.asyncio import Redis
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.db import Database, rows_with
from app.errors import FieldError, NotFound, UserFacingError
from app.notifications.errors import NotificationsCode
from app.notifications.models import (
    Notification,
    NotificationPriority,
    PushDevice,
    PushPlatform,
)
from app.notifications.vapid import VapidKeys, b64url_decode
from app.pagination import Page, PageRequest, SortKey, paginate
from app.security.permissions import Actor
from app.settings import Settings

PUSH_TOPIC = "push.send"

MAX_ENDPOINT_LENGTH = 512  # push_devices.token
P256DH_BYTES = 65  # an uncompressed P-256 point
AUTH_BYTES = 16
SENT_KEY_TTL_SECONDS = 7 * 24 * 3600
SEND_LOCK_SECONDS = 60
DEFAULT_TTL_SECONDS = 24 * 3600  # how long the push service keeps a message for an offline device
MAX_TTL_SECONDS = 28 * 24 * 3600
SEND_TIMEOUT_SECONDS = 10.0
GONE = frozenset({404, 410})
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".localdomain")

log = structlog.get_logger("easyways.push")


class PushNotSent(Exception):
    """Some devices could not be reached this time (retried; the errors are logged)."""


# --- subscriptions --------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> FieldError:
    return FieldError(field, message, NotificationsCode.INVALID_PUSH_SUBSCRIPTION)


def _key_errors(value: str, field: str, size: int) -> list[FieldError]:
    try:
        decoded = b64url_decode(value)
    except ValueError:
        return [_invalid(field, "Not base64url")]
    if len(decoded) != size:
        return [_invalid(field, f"Must decode to {size} bytes")]
    if size == P256DH_BYTES and decoded[0] != 0x04:
        return [_invalid(field, "Must be an uncompressed P-256 public key")]
    return []


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _private_host(host: str) -> bool:
    """A host name or literal address that a production server must never be sent to."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(_LOCAL_NAMES) or ("." not in name and ":" not in name):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return not address.is_global or address.is_multicast


def endpoint_errors(settings: Settings, endpoint: str, field: str = "endpoint") -> list[FieldError]:
    """An https URL of a public push service (loopback http too, outside production)."""
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        return [_invalid(field, f"At most {MAX_ENDPOINT_LENGTH} characters")]
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        _ = parts.port  # a malformed port raises
    except ValueError:
        return [_invalid(field, "Not a URL")]
    if not host or parts.username or parts.password or parts.fragment:
        return [_invalid(field, "Not a push service URL")]
    local_test = not settings.is_production and _loopback(host)
    if parts.scheme != "https" and not (parts.scheme == "http" and local_test):
        return [_invalid(field, "Must be an https URL")]
    if settings.is_production and _private_host(host):
        return [_invalid(field, "Must be a public push service")]
    return []


def subscription_errors(
    settings: Settings, *, endpoint: str, p256dh: str, auth: str
) -> list[FieldError]:
    return [
        *endpoint_errors(settings, endpoint.strip()),
        *_key_errors(p256dh, "p256dh", P256DH_BYTES),
        *_key_errors(auth, "auth", AUTH_BYTES),
    ]


async def register_push_device(
    session: AsyncSession,
    *,
    actor: Actor,
    settings: Settings,
    endpoint: str,
    p256dh: str,
    auth: str,
) -> PushDevice:
    """Add (or refresh) the caller's browser subscription; INVALID_PUSH_SUBSCRIPTION."""
    if errors := subscription_errors(settings, endpoint=endpoint, p256dh=p256dh, auth=auth):
        raise UserFacingError(errors)
    now = utcnow()
    values = {
        "user_id": actor.id,
        "p256dh": p256dh.strip().rstrip("="),
        "auth_secret": auth.strip().rstrip("="),
        "failure_count": 0,
        "last_seen_at": now,
    }
    stmt = (
        insert(PushDevice)
        .values(id=uuid.uuid4(), token=endpoint.strip(), platform=PushPlatform.WEB, **values)
        .on_conflict_do_update(
            index_elements=[PushDevice.token],
            set_={**values, "platform": PushPlatform.WEB, "updated_at": func.now()},
        )
        .returning(PushDevice.id)
    )
    device_id = (await session.execute(stmt)).scalar_one()
    row = await session.get(PushDevice, device_id, populate_existing=True)
    assert row is not None
    return row


async def remove_push_device(
    session: AsyncSession, *, actor: Actor, device_id: uuid.UUID
) -> uuid.UUID:
    """Forget one of the caller's devices; anyone else's (or none) is NOT_FOUND."""
    removed: uuid.UUID | None = await session.scalar(
        delete(PushDevice)
        .where(PushDevice.id == device_id, PushDevice.user_id == actor.id)
        .returning(PushDevice.id)
    )
    if removed is None:
        raise NotFound("PushDevice")
    return removed


def may_read(actor: Actor | None, row: PushDevice) -> bool:
    """A device is seen by its owner only."""
    return actor is not None and actor.id == row.user_id


async def list_push_devices(
    session: AsyncSession, *, user_id: uuid.UUID, request: PageRequest, with_total: bool = False
) -> Page[PushDevice]:
    """The user's devices, most recently registered first."""
    return await paginate(
        session,
        select(PushDevice).where(PushDevice.user_id == user_id),
        order_by=[SortKey(PushDevice.created_at.expression, descending=True)],
        tiebreaker=PushDevice.id.expression,
        request=request,
        with_total=with_total,
    )


async def push_devices_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[PushDevice | None]:
    """Batch read for the loader: rows in key order (None where missing)."""
    rows = {r.id: r for r in await rows_with(session, PushDevice.id, ids)}
    return [rows.get(i) for i in ids]


# --- delivery -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PushTarget:
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class PushMessage:
    payload: bytes
    ttl_seconds: int = DEFAULT_TTL_SECONDS
    urgency: str = "normal"  # RFC 8030: very-low | low | normal | high


class PushSender(Protocol):
    async def send(self, target: PushTarget, message: PushMessage) -> int:
        """Send one message; the push service's HTTP status (raises on a network failure)."""
        ...


class WebPushSender:
    """Sends through pywebpush: aes128gcm encryption and a VAPID `Authorization` header."""

    def __init__(self, keys: VapidKeys, *, timeout_seconds: float = SEND_TIMEOUT_SECONDS) -> None:
        self._vapid = Vapid02.from_raw(keys.private_key.encode())
        self._subject = keys.subject
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def send(self, target: PushTarget, message: PushMessage) -> int:
        parts = urlsplit(target.endpoint)
        claims: dict[str, str | int] = {
            "sub": self._subject,
            "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int(utcnow().timestamp()) + 12 * 3600,
        }
        headers = {**self._vapid.sign(claims), "Urgency": message.urgency}
        subscription = {
            "endpoint": target.endpoint,
            "keys": {"p256dh": target.p256dh, "auth": target.auth},
        }
        async with aiohttp.ClientSession(timeout=self._timeout) as http:
            pusher = WebPusher(subscription, aiohttp_session=http)
            response = await pusher.send_async(
                message.payload, headers, ttl=message.ttl_seconds, timeout=self._timeout
            )
            assert not isinstance(response, str)  # only a curl dump is a str
            status: int = response.status
            return status


def notification_global_id(notification_id: uuid.UUID) -> str:
    """The relay id of the notification (what the API's `Notification.id` is)."""
    return base64.b64encode(f"Notification:{notification_id}".encode()).decode()


def _message(settings: Settings, row: Notification) -> PushMessage:
    url = row.action_url or ""
    if url.startswith("/"):
        url = settings.frontend_url.rstrip("/") + url
    payload = orjson.dumps(
        {
            "title": row.title,
            "body": row.body,
            "url": url or None,
            "notificationId": notification_global_id(row.id),
        }
    )
    ttl = DEFAULT_TTL_SECONDS
    if row.expires_at is not None:
        ttl = max(0, min(MAX_TTL_SECONDS, int((row.expires_at - utcnow()).total_seconds())))
    urgent = row.priority in (NotificationPriority.HIGH, NotificationPriority.URGENT)
    return PushMessage(payload, ttl, "high" if urgent else "normal")


def sent_key(notification_id: uuid.UUID, device_id: uuid.UUID) -> str:
    return f"push:sent:{notification_id}:{device_id}"


@dataclass
class PushReport:
    """What one delivery attempt did, per device id."""

    sent: list[uuid.UUID]
    already_sent: list[uuid.UUID]
    removed: list[uuid.UUID]
    failed: list[uuid.UUID]
    busy: list[uuid.UUID]  # another worker was sending to it

    @property
    def incomplete(self) -> bool:
        return bool(self.failed or self.busy)


async def deliver_push(
    db: Database,
    notification_id: uuid.UUID,
    *,
    sender: PushSender,
    redis: Redis,
    settings: Settings,
) -> PushReport:
    """Send the notification to each of its recipient's devices once; raises PushNotSent when
    any device failed (after recording the outcomes), so the caller retries the rest."""
    report = PushReport([], [], [], [], [])
    async with db.session() as session:
        row = await session.get(Notification, notification_id)
        if row is None:
            return report
        devices = list(
            await session.scalars(
                select(PushDevice).where(
                    PushDevice.user_id == row.recipient_id,
                    PushDevice.p256dh.is_not(None),
                    PushDevice.auth_secret.is_not(None),
                )
            )
        )
    if row.expires_at is not None and row.expires_at <= utcnow():
        return report
    message = _message(settings, row)
    for device in devices:
        await _send_one(redis, settings, sender, notification_id, device, message, report)
    await _record(db, report)
    if report.incomplete:
        missing = len(report.failed) + len(report.busy)
        raise PushNotSent(f"{missing} device(s) not reached yet for {notification_id}")
    return report


async def _send_one(
    redis: Redis,
    settings: Settings,
    sender: PushSender,
    notification_id: uuid.UUID,
    device: PushDevice,
    message: PushMessage,
    report: PushReport,
) -> None:
    key = sent_key(notification_id, device.id)
    if await redis.exists(key):
        report.already_sent.append(device.id)
        return
    if endpoint_errors(settings, device.token):  # e.g. registered before a stricter rule
        report.removed.append(device.id)
        return
    lock = f"push:sending:{notification_id}:{device.id}"
    if not await redis.set(lock, "1", nx=True, ex=SEND_LOCK_SECONDS):
        report.busy.append(device.id)  # another worker is on it: look again on the retry
        return
    try:
        target = PushTarget(device.token, device.p256dh or "", device.auth_secret or "")
        try:
            status = await sender.send(target, message)
        except Exception as exc:  # network trouble, timeouts: retried
            log.warning("push send failed", device_id=str(device.id), error=repr(exc))
            report.failed.append(device.id)
            return
        if 200 <= status < 300:
            await redis.set(key, "1", ex=SENT_KEY_TTL_SECONDS)
            report.sent.append(device.id)
        elif status in GONE:
            report.removed.append(device.id)
        else:
            log.warning("push service refused", device_id=str(device.id), status=status)
            report.failed.append(device.id)
    finally:
        await redis.delete(lock)


async def _record(db: Database, report: PushReport) -> None:
    if not (report.sent or report.removed or report.failed):
        return
    async with db.transaction() as session:
        if report.removed:
            await session.execute(delete(PushDevice).where(PushDevice.id.in_(report.removed)))
        if report.sent:
            await session.execute(
                update(PushDevice).where(PushDevice.id.in_(report.sent)).values(failure_count=0)
            )
        if report.failed:
            await session.execute(
                update(PushDevice)
                .where(PushDevice.id.in_(report.failed))
                .values(failure_count=PushDevice.failure_count + 1)
            )
