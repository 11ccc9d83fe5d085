from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette

from app.accounts.models import User, UserRole
from app.catalog.models import Category
from app.db import Database
from app.main import create_app
from app.security.tokens import issue_access_token
from app.settings import Settings
from tests.cache.support import CALLS, build_stub_schema


@pytest.fixture
def settings(service_urls: tuple[str, str]) -> Settings:
    return Settings()


@dataclass
class Served:
    app: Starlette
    http: httpx.AsyncClient

    @property
    def db(self) -> Database:
        db: Database = self.app.state.db
        return db

    @property
    def redis(self) -> Redis:
        redis: Redis = self.app.state.redis
        return redis

    def token(self, user: User | None = None) -> str:
        """An access token for `user` (default: a student who exists only in the token)."""
        if user is None:
            user = User(
                id=uuid.uuid4(), email="reader@example.com", role=UserRole.STUDENT, token_version=0
            )
        state = self.app.state
        token, _ = issue_access_token(state.keyring, state.settings, user=user, session_id=None)
        return token

    async def get(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        params = {"query": query}
        if variables is not None:
            params["variables"] = orjson.dumps(variables).decode()
        return await self.http.get("/graphql", params=params, **kw)

    async def post(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        return await self.http.post("/graphql", json={"query": query, "variables": variables}, **kw)


@asynccontextmanager
async def _serve(app: Starlette) -> AsyncIterator[Served]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        yield Served(app, http)


ServeApp = Callable[..., AbstractAsyncContextManager[Served]]


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


async def add_category(database: Database, name: str, *, slug: str | None = None) -> Category:
    async with database.transaction() as session:
        category = Category(name=name, slug=slug or name.lower().replace(" ", "-"))
        session.add(category)
    return category


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port
