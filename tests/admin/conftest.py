from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from app.db import Database
from app.main import create_app
from app.settings import Settings
from tests.support.api import serve


@pytest.fixture
async def http(
    database: Database, redis_client: Redis, service_urls: tuple[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    """The product app over in-process HTTP (its own keyring: sign tokens with `app_token`)."""
    async with serve(create_app(Settings())) as client:
        yield client
