from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from redis.asyncio import Redis

from app.db import Database
from app.main import create_app
from app.settings import Settings
from tests.support.cache import CALLS, ServeApp, Served, _serve, build_stub_schema


@pytest.fixture
def settings(service_urls: tuple[str, str]) -> Settings:
    return Settings()


@pytest.fixture
def serve_app(database: Database, redis_client: Redis, settings: Settings) -> ServeApp:
    """`async with serve_app(product=False, **setting_overrides) as served:`."""
    CALLS.clear()

    def make(*, product: bool = False, **overrides: Any) -> AbstractAsyncContextManager[Served]:
        app_settings = settings.model_copy(update=overrides) if overrides else settings
        schema = None if product else build_stub_schema(app_settings)
        return _serve(create_app(app_settings, schema=schema))

    return make


@pytest.fixture
async def served(serve_app: ServeApp) -> AsyncIterator[Served]:
    async with serve_app() as s:
        yield s
