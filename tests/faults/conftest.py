"""The fault suite: real server and worker processes on the test's PostgreSQL and Redis (or a
Valkey of the test's own), broken for real — SIGKILL, a restarted Valkey, terminated database
connections — and checked for lost writes, lost jobs and duplicated side effects."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.server import Server, service_env

Serve = Callable[..., Server]
# What a request may cleanly fail with: a lost database or Redis connection is SERVICE_UNAVAILABLE.
CLEAN_FAILURES = {"SERVICE_UNAVAILABLE"}
DEADLINE_SECONDS = 120
REGISTER = "mutation($input: RegisterInput!) { register(input: $input) { ok errors { code } } }"


def register(server: Server, email: str) -> httpx.Response:
    """A `register` mutation over HTTP (a student account: one row per e-mail, one e-mail)."""
    names = {"firstName": "Ada", "lastName": "Fault", "password": "Fault!2026x"}
    variables = {"input": {**names, "email": email}}
    return httpx.post(
        f"{server.url}/graphql", json={"query": REGISTER, "variables": variables}, timeout=60
    )


def outcome(response: httpx.Response) -> str:
    """`ok`, or the error code of a clean failure; anything else fails the test."""
    assert response.status_code == 200, (response.status_code, response.text)
    body = response.json()
    if body.get("data") and body["data"].get("register"):
        assert body["data"]["register"]["errors"] == [], body
        return "ok"
    [error] = body["errors"]
    code = error["extensions"]["code"]
    assert code in CLEAN_FAILURES, body
    return str(code)


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait for `check()` to hold (a bound on a real process, not a timing assertion)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"gave up waiting: {what}")


@pytest.fixture
def data_dir() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="easyways-faults-"))
    path = base / "data"
    path.mkdir()
    try:
        yield path
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def serve(data_dir: Path, service_urls: tuple[str, str]) -> Iterator[Serve]:
    """`serve(*args, REDIS_URL=…, NAME=value…)`: `easyways serve --no-migrate` on the test's
    database (and Redis unless given), ready — with its worker unless `--no-worker`; its own queue
    namespace, a 3 s worker heartbeat timeout, no signup or e-mail limit per IP. Stopped (and
    every process it started killed) after the test."""
    started: list[Server] = []

    def start(*args: str, **settings: str) -> Server:
        env = service_env(data_dir, *service_urls)
        env.update(
            {
                "QUEUE_NAMESPACE": f"faults-{uuid.uuid4().hex[:8]}",
                "WORKER_HEARTBEAT_TIMEOUT_SECONDS": "3",
                "REGISTER_MAX_PER_IP": "100000",
                "EMAIL_REQUESTS_MAX_PER_IP": "100000",
                **settings,
            }
        )
        server = Server(data_dir, "--no-migrate", *args, env=env)
        started.append(server)
        server.wait_ready()
        return server

    try:
        yield start
    finally:
        for server in started:
            tree = [server.process.pid, *worker_pids(server)]
            print(server.log_path.read_text(errors="replace")[-6000:])  # shown when a test fails
            server.kill()
            for pid in tree:
                kill(pid)


def worker_pids(server: Server) -> list[int]:
    try:
        children = psutil.Process(server.process.pid).children()
    except psutil.NoSuchProcess:
        return []
    return [c.pid for c in children if "worker" in " ".join(c.cmdline())]


def kill(pid: int) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        psutil.Process(pid).kill()
