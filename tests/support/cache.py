"""A stand-in catalog schema: root fields with the cacheable names, reading the categories table
and counting their executions, so the response cache is tested on its own."""

from __future__ import annotations

import socket
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import strawberry
from redis.asyncio import Redis
from sqlalchemy import select
from starlette.applications import Starlette

from app.accounts.models import User, UserRole
from app.catalog.models import Category
from app.db import Database
from app.errors import NotFound
from app.security.tokens import issue_access_token
from app.settings import Settings
from schema import root
from schema.core.context import Info
from schema.core.relay import NodeQuery
from schema.root import EasywaysSchema, build_schema

CALLS: Counter[str] = Counter()


async def _names(info: Info, slug: str | None = None) -> list[str]:
    stmt = select(Category.name).order_by(Category.sort_order, Category.name)
    if slug is not None:
        stmt = stmt.where(Category.slug == slug)
    async with info.context.db.session() as session:
        return list((await session.scalars(stmt)).all())


@strawberry.type
class StubCatalogQuery:
    @strawberry.field
    async def categories(self, info: Info) -> list[str]:
        CALLS["categories"] += 1
        return await _names(info)

    @strawberry.field
    async def course(self, info: Info, slug: str) -> str:
        CALLS["course"] += 1
        names = await _names(info, slug)
        if not names:
            raise NotFound("course")
        return names[0]

    @strawberry.field
    async def courses(self, info: Info, first: int = 20, cookie: bool = False) -> list[str]:
        CALLS["courses"] += 1
        if cookie:
            response = info.context.response
            assert response is not None
            response.set_cookie("seen", "yes")
        return (await _names(info))[:first]

    @strawberry.field
    def search_courses(self, query: str) -> list[str]:
        CALLS["searchCourses"] += 1
        return [query]

    @strawberry.field
    def autocomplete(self, prefix: str) -> list[str]:
        CALLS["autocomplete"] += 1
        return [prefix + "thon"]

    @strawberry.field
    def trending_searches(self) -> list[str]:
        CALLS["trendingSearches"] += 1
        return ["python"]

    @strawberry.field
    def viewer(self, info: Info) -> str:
        CALLS["viewer"] += 1
        claims = info.context.claims
        return str(claims.sub) if claims is not None else "anonymous"


@strawberry.type
class StubCatalogMutation:
    @strawberry.mutation
    async def rename_categories(self, info: Info) -> int:
        CALLS["renameCategories"] += 1
        return 0


def build_stub_schema(settings: Settings) -> EasywaysSchema:
    """Only the system fields plus the stand-ins (the product's catalog fields would clash)."""
    saved = root.QUERIES, root.MUTATIONS
    root.QUERIES, root.MUTATIONS = [root.SystemQuery, NodeQuery], []
    try:
        return build_schema(settings, queries=[StubCatalogQuery], mutations=[StubCatalogMutation])
    finally:
        root.QUERIES, root.MUTATIONS = saved


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
