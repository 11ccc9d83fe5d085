"""A test-only extension of the product schema: a tiny Node type, failing fields, a mutation that
sets a cookie, and fields that reveal the caller, so the plumbing can be tested on its own."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
import strawberry
from starlette.applications import Starlette
from strawberry import relay

from app.errors import Forbidden, Unauthenticated
from app.settings import Settings
from schema.core.context import Info
from schema.core.money import Money
from schema.root import EasywaysSchema, build_schema

WIDGETS = {"w1": "first widget", "w2": "second widget", "hidden": "nobody may see this"}


@strawberry.type
class Widget(relay.Node):
    id: relay.NodeID[str]
    name: str

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Widget | None]:
        return [
            Widget(id=i, name=WIDGETS[i]) if i in WIDGETS and i != "hidden" else None
            for i in node_ids
        ]


@strawberry.type
class Item:
    name: str

    @strawberry.field
    def children(self, first: int | None = None) -> list[Item]:
        return [Item(name=f"{self.name}.{i}") for i in range(first or 2)]


@strawberry.type
class TestQuery:
    @strawberry.field
    def boom(self) -> str:
        raise RuntimeError("database password is hunter2")

    @strawberry.field
    def forbidden(self) -> str:
        raise Forbidden()

    @strawberry.field
    def viewer(self, info: Info) -> str:
        if info.context.claims is None:
            raise Unauthenticated()
        return str(info.context.claims.sub)

    @strawberry.field
    def items(self, first: int | None = None) -> list[Item]:
        return [Item(name=str(i)) for i in range(first or 20)]

    @strawberry.field
    def echo(self, value: int) -> int:
        return value

    @strawberry.field
    def count(self, values: list[int]) -> int:
        return len(values)

    @strawberry.field
    def price(self, minor: int, currency: str) -> Money:
        return Money.of(minor, currency)

    @strawberry.field
    def moment(self, at: datetime) -> datetime:
        return at


@strawberry.input
class TouchInput:
    flavour: str


@strawberry.type
class TestMutation:
    @strawberry.mutation
    def touch(self, info: Info, input: TouchInput) -> str:
        response = info.context.response
        assert response is not None
        response.set_cookie("flavour", input.flavour, httponly=True)
        response.headers["X-Touched"] = "yes"
        return input.flavour


@strawberry.type
class TestSubscription:
    @strawberry.subscription
    async def whoami(self, info: Info) -> AsyncGenerator[str, None]:
        claims: Any = info.context.claims
        yield str(claims.sub) if claims is not None else "anonymous"


def build_test_schema(settings: Settings) -> EasywaysSchema:
    return build_schema(
        settings,
        queries=[TestQuery],
        mutations=[TestMutation],
        subscriptions=[TestSubscription],
        types=[Widget],
    )


@asynccontextmanager
async def serve(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and talk to it in-process over HTTP."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client,
    ):
        yield client


AppClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
