"""Live tests: the real app under uvicorn in the test's event loop, and a graphql-transport-ws
client (the `websockets` library speaking the protocol as the official `graphql-ws` client does).

    async with live_server(settings, keyring) as server:
        async with subscribe(server, "subscription { messageReceived { id } }", token=t) as sub:
            ... # act through `client` (schema.execute) or over HTTP: server.http
            event = await sub.next()          # the `data` of the next `next` message
            await sub.nothing(within=0.3)     # no message arrives
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.main import create_app
from app.security.tokens import KeyRing
from app.settings import Settings

PROTOCOL = "graphql-transport-ws"


@dataclass
class LiveServer:
    app: Starlette
    port: int
    http: httpx.AsyncClient

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


@contextlib.asynccontextmanager
async def live_server(
    settings: Settings, keyring: KeyRing, *, schema: Any = None
) -> AsyncIterator[LiveServer]:
    """The product app (or `schema`) served on a free port; its tokens verify with `keyring`."""
    app = create_app(settings, schema=schema)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    app.state.keyring = keyring
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            yield LiveServer(app, port, http)
    finally:
        server.should_exit = True
        await task


class SubscriptionEnded(Exception):
    """The server sent `error` or `complete`, or closed the socket, instead of `next`."""

    def __init__(self, kind: str, payload: Any = None, close_code: int | None = None) -> None:
        super().__init__(f"{kind}: {payload!r} (close code {close_code})")
        self.kind, self.payload, self.close_code = kind, payload, close_code

    @property
    def codes(self) -> list[str]:
        errors = self.payload if isinstance(self.payload, list) else []
        return [(e.get("extensions") or {}).get("code") for e in errors]


@dataclass
class Subscription:
    ws: ClientConnection
    id: str = "1"
    errors: list[Any] = field(default_factory=list)

    async def message(self, wait: float = 5.0) -> dict[str, Any]:
        """The next protocol message for this subscription (pings are answered)."""
        while True:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), wait)
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd is not None else None
                raise SubscriptionEnded("closed", close_code=code) from exc
            message: dict[str, Any] = json.loads(raw)
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            return message

    async def next(self, wait: float = 5.0) -> dict[str, Any]:
        """The `data` of the next result; SubscriptionEnded on error / complete / close, and
        AssertionError for a result with errors."""
        message = await self.message(wait)
        if message["type"] != "next":
            raise SubscriptionEnded(message["type"], message.get("payload"))
        payload = message["payload"]
        assert not payload.get("errors"), payload["errors"]
        data: dict[str, Any] = payload["data"]
        return data

    async def result(self, wait: float = 5.0) -> dict[str, Any]:
        """The next `next` payload as it came (data and errors)."""
        message = await self.message(wait)
        if message["type"] != "next":
            raise SubscriptionEnded(message["type"], message.get("payload"))
        payload: dict[str, Any] = message["payload"]
        return payload

    async def ended(self, wait: float = 5.0) -> SubscriptionEnded:
        """Wait for the subscription to end (error, complete or close); returns how."""
        try:
            while True:
                message = await self.message(wait)
                if message["type"] == "next" and message["payload"].get("errors"):
                    self.errors.extend(message["payload"]["errors"])
                    continue
                if message["type"] != "next":
                    return SubscriptionEnded(message["type"], message.get("payload"))
        except SubscriptionEnded as ended:
            return ended

    async def nothing(self, within: float = 0.3) -> None:
        """Assert no message arrives within `within` seconds."""
        try:
            raw = await asyncio.wait_for(self.ws.recv(), within)
        except TimeoutError:
            return
        raise AssertionError(f"expected nothing, got {raw!r}")


@contextlib.asynccontextmanager
async def connection(
    server: LiveServer | str, *, token: str | None = None
) -> AsyncIterator[ClientConnection]:
    """An acknowledged graphql-transport-ws connection."""
    url = server.ws_url if isinstance(server, LiveServer) else server
    async with connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        yield ws


async def start(
    ws: ClientConnection, query: str, variables: dict[str, Any] | None = None, *, id: str = "1"
) -> Subscription:
    """Start one subscription on an open connection."""
    payload: dict[str, Any] = {"query": query}
    if variables:
        payload["variables"] = variables
    await ws.send(json.dumps({"type": "subscribe", "id": id, "payload": payload}))
    return Subscription(ws, id)


@contextlib.asynccontextmanager
async def subscribe(
    server: LiveServer | str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    ready: float = 0.3,
) -> AsyncIterator[Subscription]:
    """One subscription on its own connection. Waits `ready` seconds after subscribing, so the
    server has subscribed to the Redis channel before the test publishes."""
    async with connection(server, token=token) as ws:
        subscription = await start(ws, query, variables)
        await asyncio.sleep(ready)
        yield subscription
