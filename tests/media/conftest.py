"""Media test helpers: the local storage of the test settings, an HTTP client over the ASGI app
(for the signed file routes), users with tokens, and a GraphQL upload round trip."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.integrations.storage import LocalStorage, make_storage
from app.main import create_app
from app.settings import Settings


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    made = make_storage(settings)
    assert isinstance(made, LocalStorage)
    return made


@pytest.fixture
async def http(settings: Settings, storage: LocalStorage) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    app.state.storage = storage
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_api_url) as c:
        yield c
