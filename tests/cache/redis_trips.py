"""Counting Redis round trips without mocking Redis: a real client whose connections note the
commands they pack and each time they send (one send = one round trip; a pipeline packs several
commands into one send)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import Connection
from starlette.applications import Starlette


class RecordingConnection(Connection):
    trips: list[list[str]] | None = None  # set per client, shared by its connections

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.packed: list[str] = []

    def pack_command(self, *args: Any) -> list[bytes]:
        name = args[0]
        self.packed.append((name.decode() if isinstance(name, bytes) else str(name)).upper())
        return super().pack_command(*args)

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if self.trips is not None:
            self.trips.append(self.packed)
        self.packed = []
        await super().send_packed_command(command, check_health)


@asynccontextmanager
async def recording_redis(app: Starlette) -> AsyncIterator[list[list[str]]]:
    """Swap the app's Redis client for a recording one; yields the round trips made (each the
    list of its commands), recorded from the first command after the swap."""
    trips: list[list[str]] = []

    class Recording(RecordingConnection):
        pass  # its own `trips`, so two recording clients never mix theirs

    client = Redis.from_url(app.state.settings.redis_url, connection_class=Recording)
    await client.ping()  # connect (HELLO/SELECT are not the app's trips)
    Recording.trips = trips
    saved, app.state.redis = app.state.redis, client
    try:
        yield trips
    finally:
        app.state.redis = saved
        await client.aclose()
