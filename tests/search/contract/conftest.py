"""The search contract, parametrised over backends at collection time: `postgres` always, and
`opensearch` only when OPENSEARCH_URL names a running node (without it that parameter is not
generated at all, so nothing is reported as skipped).

A test asks for the `backend` fixture; with `opensearch` the whole process reads
SEARCH_BACKEND=opensearch and a fresh index prefix for that test (the service, the indexing job
and the helpers all see it through `get_settings()`), and the test's indices are deleted after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from app.db import Database
from app.search import service
from app.settings import Settings, get_settings

BACKENDS = ["postgres", *(["opensearch"] if os.environ.get("OPENSEARCH_URL") else [])]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@dataclass(frozen=True)
class Backend:
    name: str
    database: Database

    @property
    def settings(self) -> Settings:
        return get_settings()

    async def reindex(self) -> str:
        """The whole index rebuilt as `easyways reindex` does (OpenSearch: alias swap)."""
        return await service.reindex_backend(self.database, self.settings)


@pytest.fixture
async def backend(
    request: pytest.FixtureRequest, database: Database, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Backend]:
    name = str(request.param)
    prefix = f"easyways-test-{uuid.uuid4().hex[:12]}"
    if name == "opensearch":
        monkeypatch.setenv("SEARCH_BACKEND", "opensearch")
        monkeypatch.setenv("OPENSEARCH_INDEX_PREFIX", prefix)
    get_settings.cache_clear()
    try:
        yield Backend(name, database)
    finally:
        if name == "opensearch":
            await _drop_indices(get_settings(), prefix)
        monkeypatch.undo()
        get_settings.cache_clear()


async def _drop_indices(settings: Settings, prefix: str) -> None:
    from app.search.opensearch.client import client_for, close_clients

    client = client_for(settings)
    await client.indices.delete(index=f"{prefix}-courses*", ignore_unavailable=True)
    await close_clients()
