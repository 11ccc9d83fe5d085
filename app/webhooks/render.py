"""The hook that turns a webhook's subscription query into its payload.

`app/` knows no GraphQL: the composition roots (app.main, app.cli, tests) register a `Renderer`
built over the schema (`schema.webhooks.GraphQLRenderer`) with `set_renderer`. Services use it
to validate a subscription query when a webhook is saved, the delivery to render the payload by
running the query as the webhook's owner with the event as its root value.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from redis.asyncio import Redis

from app.db import Database
from app.settings import Settings
from app.webhooks.models import WebhookEvent

if TYPE_CHECKING:
    from app.accounts.models import User


class RenderFailed(Exception):
    """The query ran with errors: the delivery is recorded as failed with this message."""


@dataclass(frozen=True)
class EventEnvelope:
    """One event as the `webhookEvent` subscription field sees it (its root value)."""

    event: WebhookEvent
    occurred_at: datetime
    course_id: uuid.UUID | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> EventEnvelope:
        course_id = payload.get("course_id")
        return cls(
            event=WebhookEvent(payload["event"]),
            occurred_at=datetime.fromisoformat(payload["occurred_at"]),
            course_id=uuid.UUID(course_id) if course_id else None,
            data=dict(payload.get("data") or {}),
        )

    def uuid(self, key: str) -> uuid.UUID:
        return uuid.UUID(str(self.data[key]))


@dataclass(frozen=True)
class RenderScope:
    db: Database
    redis: Redis
    settings: Settings


class Renderer(Protocol):
    def check(self, document: str, settings: Settings) -> str | None:
        """Why `document` cannot be a webhook's subscription query, or None."""

    async def render(
        self, document: str, envelope: EventEnvelope, owner: User, scope: RenderScope
    ) -> dict[str, Any]:
        """The query's `data` for this event, run as `owner`; RenderFailed on errors."""


_renderer: Renderer | None = None


def set_renderer(renderer: Renderer) -> None:
    global _renderer
    _renderer = renderer


def get_renderer() -> Renderer:
    if _renderer is None:
        raise RuntimeError("no webhook renderer registered (app.webhooks.set_renderer)")
    return _renderer
