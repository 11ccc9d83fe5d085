"""Webhook tests: the GraphQL renderer registered (as the composition roots do), loopback http
allowed for the local receiver, and short retry delays."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.integrations.payments_local import LocalGateway
from app.settings import Settings
from app.webhooks import set_renderer
from schema.root import schema
from schema.webhooks import GraphQLRenderer
from tests.support.webhooks import Receiver, receiver


@pytest.fixture(autouse=True)
def webhook_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    set_renderer(GraphQLRenderer(schema))
    # the cached settings object: the worker's runtime reads the same one
    monkeypatch.setattr(settings, "webhook_allow_loopback_http", True)
    monkeypatch.setattr(settings, "webhook_retry_base_seconds", 0.05)
    monkeypatch.setattr(settings, "webhook_max_attempts", 4)
    monkeypatch.setattr(settings, "webhook_failure_threshold", 6)
    return settings


@pytest.fixture
def gateway(settings: Settings, redis_client: Redis) -> LocalGateway:
    return LocalGateway(settings, redis_client)


@pytest.fixture
async def hooks() -> AsyncIterator[Receiver]:
    async with receiver() as running:
        yield running
