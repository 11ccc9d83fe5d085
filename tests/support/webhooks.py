"""A local webhook receiver that checks every POST the way docs/api.md tells partners to, and
helpers to create webhooks through the service."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from app.accounts.models import User
from app.db import Database
from app.security.permissions import Actor
from app.settings import Settings
from app.webhooks import service
from app.webhooks.models import Webhook, WebhookDelivery, WebhookEvent
from app.webhooks.ssrf import Resolve

ORDER_QUERY = (
    "subscription { webhookEvent { __typename "
    "... on OrderPaid { occurredAt order { id total { amount currency } } } } }"
)
COURSE_QUERY = (
    "subscription { webhookEvent { __typename "
    "... on EnrollmentCreated { enrollment { id course { id title } } } "
    "... on CoursePublished { course { id title } } } }"
)
SECRET = "whsec_test_0123456789abcdef"


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int | None = None) -> bool:
    """The partner's check from docs/api.md: parse t and v1, recompute, compare in constant time."""
    parts = dict(p.split("=", 1) for p in headers["x-easyways-signature"].split(","))
    timestamp, received = parts["t"], parts["v1"]
    if tolerance is not None and abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, received)


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    verified: bool

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Receiver:
    secret: str = SECRET
    status: int = 200
    base_url: str = ""
    received: list[Received] = field(default_factory=list)
    answer: Callable[[], int] | None = None

    def url(self, path: str = "/hooks") -> str:
        return self.base_url + path

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        ok = "x-easyways-signature" in headers and verify(self.secret, headers, body)
        self.received.append(Received(request.path, headers, body, ok))
        status = self.answer() if self.answer is not None else self.status
        return web.Response(status=status, text="thanks" if status < 300 else "nope " * 500)


@asynccontextmanager
async def receiver(secret: str = SECRET) -> AsyncIterator[Receiver]:
    """A running receiver on 127.0.0.1 (a free port), stopped afterwards."""
    found = Receiver(secret=secret)
    app = web.Application()
    app.router.add_post("/{tail:.*}", found._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield found
    finally:
        await runner.cleanup()


async def create(
    database: Database,
    settings: Settings,
    owner: User,
    url: str,
    events: list[WebhookEvent],
    query: str = ORDER_QUERY,
    *,
    secret: str = SECRET,
    resolve: Resolve | None = None,
) -> Webhook:
    extra: dict[str, Any] = {} if resolve is None else {"resolve": resolve}
    async with database.transaction() as session:
        saved = await service.create_webhook(
            session,
            actor=Actor.of(owner),
            settings=settings,
            url=url,
            events=events,
            subscription_query=query,
            secret=secret,
            **extra,
        )
    return saved.webhook


async def deliveries(database: Database, webhook_id: uuid.UUID) -> list[WebhookDelivery]:
    from sqlalchemy import select

    async with database.session() as session:
        stmt = (
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook_id)
            .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
        )
        return list(await session.scalars(stmt))


async def webhook_row(database: Database, webhook_id: uuid.UUID) -> Webhook:
    async with database.session() as session:
        found = await session.get(Webhook, webhook_id)
    assert found is not None
    return found
