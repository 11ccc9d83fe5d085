from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from app.db import Database
from app.main import create_app
from app.settings import Settings
from tests.support.api import AppClient, build_test_schema, serve


@pytest.fixture
def settings(service_urls: tuple[str, str]) -> Settings:
    return Settings()


@pytest.fixture
def app_client(database: Database, redis_client: Redis, settings: Settings) -> AppClient:
    """`async with app_client(**setting_overrides) as client:` — a fresh app on the test schema."""

    def make(**overrides: Any) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        app_settings = settings.model_copy(update=overrides) if overrides else settings
        return serve(create_app(app_settings, schema=build_test_schema(app_settings)))

    return make


@pytest.fixture
async def client(app_client: AppClient) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client() as c:
        yield c
