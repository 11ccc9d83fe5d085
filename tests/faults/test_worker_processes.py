"""`easyways worker --processes 2` keeps two workers alive: one killed with SIGKILL is replaced
(the heartbeats show it), and SIGTERM stops them all cleanly (their heartbeats leave)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from app.heartbeats import alive_workers
from tests.faults.conftest import until
from tests.support.server import service_env

pytestmark = pytest.mark.slow
NAMESPACE = f"faults-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def parent(
    redis_client: Redis, data_dir: Path, service_urls: tuple[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    env = service_env(data_dir, *service_urls)
    env.update(QUEUE_NAMESPACE=NAMESPACE, WORKER_HEARTBEAT_TIMEOUT_SECONDS="3")
    command = [sys.executable, "-m", "app.cli", "worker", "--processes", "2", "--threads", "1"]
    process = subprocess.Popen(command, env=env)  # noqa: S603 - our own interpreter and module
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def test_a_killed_worker_process_is_replaced_and_sigterm_stops_them_all(
    redis_client: Redis, parent: subprocess.Popen[bytes]
) -> None:
    async def pids() -> set[int]:
        return {int(str(w["pid"])) for w in await alive_workers(redis_client, NAMESPACE)}

    async def two_alive() -> bool:
        return len(await pids()) == 2

    await until(two_alive, "two worker processes to heartbeat")
    victim = min(await pids())
    os.kill(victim, signal.SIGKILL)

    async def replaced() -> bool:
        now = await pids()
        return len(now) == 2 and victim not in now

    await until(replaced, "the killed worker to be replaced")
    parent.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(parent.wait, 60) == 0
    assert await alive_workers(redis_client, NAMESPACE) == []
