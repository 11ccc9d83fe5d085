"""Database connections terminated mid-request (`pg_terminate_backend` from another connection):
each request fails cleanly — a GraphQL error with a code, never a 5xx — or succeeds, nothing is
half-written, and the server goes on serving."""

from __future__ import annotations

import asyncio
import contextlib
import random

import pytest
from sqlalchemy import String, cast, func, select, text

from app.accounts.models import User
from app.db import Database
from app.notifications.models import EmailLog
from app.outbox import OutboxEvent
from tests.faults.conftest import CLEAN_FAILURES, Serve, outcome, register, until

pytestmark = pytest.mark.slow


async def written(database: Database, email: str) -> tuple[int, int, int]:
    """(users, e-mails, outbox events) a registration of `email` wrote."""
    async with database.session() as session:
        users = await session.scalar(select(func.count()).where(User.email == email))
        emails = await session.scalar(select(func.count()).where(EmailLog.recipient == email))
        events = await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .join(EmailLog, OutboxEvent.payload["email_id"].astext == cast(EmailLog.id, String))
            .where(EmailLog.recipient == email)
        )
    return int(users or 0), int(emails or 0), int(events or 0)


async def waiting_for_outbox(database: Database) -> int | None:
    async with database.session() as session:
        pid = await session.scalar(
            text(
                "SELECT pid FROM pg_locks WHERE relation = 'outbox'::regclass AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
    return int(pid) if pid is not None else None


async def test_a_connection_terminated_mid_transaction_fails_the_request_and_writes_nothing(
    database: Database, serve: Serve
) -> None:
    server = serve("--no-worker")
    email = "cut@example.com"
    async with database.engine.connect() as locker:
        # the registration inserts its user and e-mail, then waits to write its outbox event
        await locker.execute(text("LOCK TABLE outbox IN EXCLUSIVE MODE"))
        pending = asyncio.ensure_future(asyncio.to_thread(register, server, email))

        async def request_waits() -> bool:
            return await waiting_for_outbox(database) is not None

        await until(request_waits, "the registration to wait for the outbox")
        pid = await waiting_for_outbox(database)
        async with database.session() as session:
            assert await session.scalar(select(func.pg_terminate_backend(pid))) is True
        await locker.rollback()

    assert outcome(await pending) in CLEAN_FAILURES
    assert await written(database, email) == (0, 0, 0)
    assert outcome(register(server, email)) == "ok"
    assert await written(database, email) == (1, 1, 1)
    assert server.interrupt() == 0


async def server_backends(database: Database) -> list[int]:
    """The backend pids of the API server's connections (the server names them `easyways-api`;
    over a Unix socket, as with the embedded PostgreSQL, no client port tells them apart)."""
    async with database.session() as session:
        rows = await session.scalars(
            text(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'easyways-api'"
                " AND datname = current_database() AND pid <> pg_backend_pid() ORDER BY pid"
            )
        )
        return list(rows)


async def test_connections_terminated_at_random_under_traffic_leave_every_write_whole(
    database: Database, serve: Serve
) -> None:
    server = serve("--no-worker")
    emails = [f"storm-{i}@example.com" for i in range(30)]
    stop = asyncio.Event()
    terminated = 0

    async def terminate_at_random() -> None:
        nonlocal terminated
        rng = random.Random(7)
        while not stop.is_set():
            pids = await server_backends(database)
            if pids:
                async with database.session() as session:
                    killed = await session.scalar(
                        select(func.pg_terminate_backend(rng.choice(pids)))
                    )
                terminated += int(bool(killed))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=rng.uniform(0.01, 0.08))

    killer = asyncio.ensure_future(terminate_at_random())
    responses = await asyncio.gather(*(asyncio.to_thread(register, server, e) for e in emails))
    stop.set()
    await killer

    outcomes = [outcome(r) for r in responses]
    for email, result in zip(emails, outcomes, strict=True):
        users, mails, events = await written(database, email)
        assert (mails, events) == (users, users), email  # all of a registration, or none of it
        if result == "ok":
            assert users == 1, email
    assert terminated > 0
    assert outcome(register(server, "after-the-storm@example.com")) == "ok"
    assert server.interrupt() == 0
