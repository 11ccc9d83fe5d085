"""The GDPR jobs through the real path: the mutation's outbox row, the relay, the broker and the
actor on a Dramatiq worker — an export becomes a zip and an e-mail, an erasure erases."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from app.accounts.models import User, UserRole, UserStatus
from app.accounts.privacy_models import DataExport, ExportState
from app.db import Database
from app.outbox import relay_once
from tests.support.accounts import emails, make_user
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient


async def run_outbox(database: Database) -> None:
    from workers.broker import broker
    from workers.relay import dispatch

    while await relay_once(database, dispatch):
        await asyncio.to_thread(broker.join, "default", timeout=20_000)


async def test_an_export_travels_outbox_relay_broker_and_actor_to_a_mailed_zip(
    client: GraphQLClient, database: Database, worker: Any
) -> None:
    from workers.broker import broker

    broker.flush_all()
    user = await make_user(database)
    asked = await client.execute(
        "mutation { exportMyData { errors { code } } }", token=token_for(client, user)
    )
    assert asked.payload("exportMyData")["errors"] == []

    await run_outbox(database)

    async with database.session() as session:
        [row] = list(await session.scalars(select(DataExport)))
    assert row.state == ExportState.READY
    [mail] = await emails(database, "data_export_ready")
    assert mail.recipient == user.email


async def test_an_immediate_erasure_travels_to_the_erasure_actor(
    client: GraphQLClient, database: Database, worker: Any
) -> None:
    from workers.broker import broker

    broker.flush_all()
    admin = await person(database, UserRole.ADMIN)
    user = await make_user(database)
    outcome = await client.mutate(
        "eraseUser",
        {"userId": gid("User", user.id), "immediate": True},
        "deletion { eraseAfter }",
        token=token_for(client, admin),
    )
    assert outcome.payload("eraseUser")["errors"] == []

    await run_outbox(database)

    async with database.session() as session:
        erased = await session.get(User, user.id)
    assert erased is not None
    assert erased.status == UserStatus.DELETED
