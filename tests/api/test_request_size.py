"""Nothing a client sends can exhaust the server by its size: bodies, query strings and WebSocket
messages over MAX_REQUEST_BYTES are refused before they are parsed, and a body is refused while it
streams in — the server never reads (or keeps) more than the limit."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning
from starlette.websockets import WebSocketDisconnect

from app.main import create_app
from app.settings import Settings
from tests.support.api import AppClient, build_test_schema, serve

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

LIMIT = 4096
PING = orjson.dumps({"query": "{ ping }"})


def padded(size: int) -> bytes:
    """A valid request body of exactly `size` bytes (JSON allows trailing spaces)."""
    return PING + b" " * (size - len(PING))


class Stream:
    """An ASGI `receive` that hands out `body` in chunks and counts what the app took."""

    def __init__(self, body: bytes, chunk: int) -> None:
        self.chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
        self.taken = 0

    async def receive(self) -> dict[str, Any]:
        if self.taken >= len(self.chunks):
            return {"type": "http.disconnect"}
        self.taken += 1
        more = self.taken < len(self.chunks)
        return {"type": "http.request", "body": self.chunks[self.taken - 1], "more_body": more}


async def post_stream(
    app: Starlette, stream: Stream, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """POST /graphql straight into the ASGI app, the body arriving as `stream` says."""
    sent: list[dict[str, Any]] = []
    raw = {"content-type": "application/json", **(headers or {})}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in raw.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("api", 80),
    }

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, stream.receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers_out = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers_out, body


@pytest.fixture
async def small_app(database: Any, redis_client: Any, settings: Settings) -> Any:
    app_settings = settings.model_copy(update={"max_request_bytes": LIMIT})
    app = create_app(app_settings, schema=build_test_schema(app_settings))
    async with serve(app):
        yield app


async def test_a_body_announced_larger_than_the_limit_is_refused_before_reading_it(
    small_app: Starlette,
) -> None:
    stream = Stream(padded(LIMIT + 1), 1024)
    status, headers, body = await post_stream(small_app, stream, {"content-length": str(LIMIT + 1)})
    assert status == 413
    assert stream.taken == 0
    assert headers["connection"] == "close"
    (error,) = orjson.loads(body)["errors"]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit(
    small_app: Starlette,
) -> None:
    """No Content-Length (chunked): the bytes are counted as they arrive; 150 MB would be
    refused after the first few KiB exactly like this."""
    stream = Stream(padded(200 * 1024), 1000)
    status, _, body = await post_stream(small_app, stream)
    assert status == 413
    assert stream.taken == LIMIT // 1000 + 1  # the chunk that passed the limit, and no more
    assert orjson.loads(body)["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_lying_content_length_does_not_get_a_larger_body_through(
    small_app: Starlette,
) -> None:
    stream = Stream(padded(3 * LIMIT), 512)
    status, _, _ = await post_stream(small_app, stream, {"content-length": "100"})
    assert status == 413
    assert stream.taken <= LIMIT // 512 + 1


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    size=st.integers(min_value=len(PING), max_value=2 * LIMIT),
    chunk=st.integers(min_value=1, max_value=LIMIT + 10),
)
async def test_a_body_is_served_exactly_when_it_is_within_the_limit(
    small_app: Starlette, size: int, chunk: int
) -> None:
    status, _, body = await post_stream(small_app, Stream(padded(size), chunk))
    if size <= LIMIT:
        assert (status, orjson.loads(body)["data"]) == (200, {"ping": "pong"})
    else:
        assert status == 413


async def test_a_query_string_over_the_limit_is_refused_with_414(app_client: AppClient) -> None:
    async with app_client(max_request_bytes=LIMIT) as client:
        ok = await client.get("/graphql", params={"query": "{ ping }"})
        too_long = await client.get("/graphql", params={"query": "{ ping }" + " " * LIMIT})
    assert ok.json()["data"] == {"ping": "pong"}
    assert too_long.status_code == 414
    assert too_long.json()["errors"][0]["extensions"]["code"] == "URI_TOO_LONG"


async def test_the_default_limit_is_one_mebibyte(app_client: AppClient) -> None:
    async with app_client() as client:
        ok = await client.post(
            "/graphql",
            content=padded(1024 * 1024),
            headers={"content-type": "application/json"},
        )
        too_large = await client.post(
            "/graphql",
            content=padded(1024 * 1024 + 1),
            headers={"content-type": "application/json"},
        )
    assert ok.json()["data"] == {"ping": "pong"}
    assert too_large.status_code == 413


# --- WebSocket ------------------------------------------------------------------------------


@pytest.fixture
def ws_client(settings: Settings) -> Iterator[TestClient]:
    app_settings = settings.model_copy(update={"max_request_bytes": LIMIT})
    with TestClient(create_app(app_settings, schema=build_test_schema(app_settings))) as client:
        yield client


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
def test_a_websocket_message_over_the_limit_closes_the_socket_with_1009(
    ws_client: TestClient, protocol: str
) -> None:
    with ws_client.websocket_connect("/graphql", subprotocols=[protocol]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"padding": "x" * LIMIT}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 1009


def test_a_websocket_message_within_the_limit_is_served(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"padding": "x" * (LIMIT - 100)}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json(
            {"id": "1", "type": "subscribe", "payload": {"query": "subscription { ping }"}}
        )
        assert ws.receive_json()["payload"]["data"] == {"ping": "pong"}
