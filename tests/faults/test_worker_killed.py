"""A worker killed with SIGKILL mid-job: `easyways serve` starts a new one, the messages the dead
one had taken are requeued within seconds, and every e-mail is written exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Awaitable
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import Database
from app.notifications.models import EmailLog, EmailStatus
from app.notifications.service import _lock_key, queue_email
from tests.faults.conftest import Serve, register, until, worker_pids
from tests.support.server import Server

pytestmark = pytest.mark.slow

BURST = 20
HELD = 4


def registered(server: Server, email: str) -> None:
    body = register(server, email).json()
    assert body["data"]["register"] == {"ok": True, "errors": []}, body


async def has(value: Awaitable[int], wanted: int) -> bool:
    return await value == wanted


async def queue_held(database: Database, holder: AsyncConnection, n: int) -> uuid.UUID:
    """An e-mail queued while `holder` takes its send lock (before the relay can see it)."""
    async with database.transaction() as session:
        email_id = await queue_email(
            session,
            to=f"held-{n}@example.com",
            template="password_changed",
            context={"first_name": "Held"},
        )
        await holder.execute(select(func.pg_advisory_lock(_lock_key(email_id))))
        await holder.commit()
    return email_id


async def count(database: Database, *where: object) -> int:
    async with database.session() as session:
        stmt = select(func.count()).select_from(EmailLog).where(*where)  # type: ignore[arg-type]
        return int(await session.scalar(stmt) or 0)


async def blocked(database: Database) -> int:
    """Workers waiting for an e-mail's advisory lock in this database: jobs stuck mid-way."""
    async with database.session() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
    return int(waiting or 0)


async def taken_by_workers(redis: Redis, namespace: str) -> int:
    """Messages fetched by a worker and not acknowledged (Dramatiq's per-worker ack sets)."""
    keys = [k async for k in redis.scan_iter(f"{namespace}:__acks__.*")]
    return sum([await redis.scard(k) for k in keys])  # type: ignore[misc]


async def test_a_worker_killed_mid_job_is_restarted_and_every_email_is_sent_exactly_once(
    database: Database, redis_client: Redis, serve: Serve, data_dir: Path
) -> None:
    namespace = f"faults-{uuid.uuid4().hex[:8]}"
    server = serve(QUEUE_NAMESPACE=namespace)
    [first_worker] = worker_pids(server)

    # e-mails whose sends will hang: this test holds their locks, so the worker is mid-job
    async with database.engine.connect() as holder:
        held = [await queue_held(database, holder, n) for n in range(HELD)]
        burst = asyncio.gather(
            *(asyncio.to_thread(registered, server, f"burst-{i}@example.com") for i in range(BURST))
        )
        await until(lambda: has(blocked(database), HELD), "the worker to take the held e-mails")
        assert await taken_by_workers(redis_client, namespace) >= HELD

        os.kill(first_worker, signal.SIGKILL)
        await burst
        for email_id in held:
            await holder.execute(select(func.pg_advisory_unlock(_lock_key(email_id))))
        await holder.commit()

    async def all_sent() -> bool:
        return await count(database, EmailLog.status == EmailStatus.SENT) == BURST + HELD

    await until(all_sent, "every e-mail to be sent after the restart")
    [second_worker] = worker_pids(server)
    assert second_worker != first_worker
    assert await count(database) == BURST + HELD

    files = list((data_dir / "outbox").glob("*.eml"))
    async with database.session() as session:
        ids = set(await session.scalars(select(EmailLog.id)))
    assert sorted(f.stem[-36:] for f in files) == sorted(str(i) for i in ids)  # one file each
    assert server.interrupt() == 0
