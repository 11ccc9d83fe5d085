"""The outbox backlog: what the relay still has to hand on, for admins."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from app.accounts.models import UserRole
from app.clock import frozen
from app.db import Database
from app.outbox import OutboxEvent, emit
from tests.support.catalog import person, token_for
from tests.support.graphql import GraphQLClient

BACKLOG = """{ outboxBacklog { pending withErrors oldestPendingAt oldestPendingAgeSeconds
  byTopic { topic pending withErrors oldestCreatedAt } } }"""
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


async def event(
    database: Database,
    topic: str,
    created_at: datetime,
    *,
    error: str | None = None,
    dispatched: bool = False,
) -> uuid.UUID:
    async with database.transaction() as session:
        event_id = await emit(session, topic, {"id": str(uuid.uuid4())})
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id)
            .values(
                created_at=created_at,
                last_error=error,
                attempts=1 if error else 0,
                dispatched_at=created_at if dispatched else None,
            )
        )
    return event_id


async def backlog(client: GraphQLClient, database: Database, **kw: Any) -> Any:
    admin = await person(database, UserRole.ADMIN)
    with frozen(T0):
        return await client.execute(BACKLOG, token=token_for(client, admin), **kw)


async def test_admins_see_pending_counts_the_oldest_age_and_each_topic(
    client: GraphQLClient, database: Database
) -> None:
    await event(database, "email.send", T0 - timedelta(minutes=5))
    await event(database, "email.send", T0 - timedelta(minutes=1), error="SMTP down")
    await event(database, "email.send", T0 - timedelta(hours=3), dispatched=True)
    await event(database, "course.changed", T0 - timedelta(minutes=2), error="boom")

    result = (await backlog(client, database)).payload("outboxBacklog")

    assert (result["pending"], result["withErrors"]) == (3, 2)
    assert result["oldestPendingAt"] == (T0 - timedelta(minutes=5)).isoformat()
    assert result["oldestPendingAgeSeconds"] == 300.0
    assert result["byTopic"] == [
        {
            "topic": "email.send",
            "pending": 2,
            "withErrors": 1,
            "oldestCreatedAt": (T0 - timedelta(minutes=5)).isoformat(),
        },
        {
            "topic": "course.changed",
            "pending": 1,
            "withErrors": 1,
            "oldestCreatedAt": (T0 - timedelta(minutes=2)).isoformat(),
        },
    ]


async def test_an_empty_outbox_has_no_backlog(client: GraphQLClient, database: Database) -> None:
    await event(database, "email.send", T0 - timedelta(minutes=5), dispatched=True)

    result = (await backlog(client, database)).payload("outboxBacklog")

    assert result == {
        "pending": 0,
        "withErrors": 0,
        "oldestPendingAt": None,
        "oldestPendingAgeSeconds": None,
        "byTopic": [],
    }


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans(), st.booleans()), max_size=8
    )
)
async def test_the_totals_are_the_sums_of_the_topics(
    client: GraphQLClient, database: Database, rows: list[tuple[str, bool, bool]]
) -> None:
    async with database.transaction() as session:
        await session.execute(delete(OutboxEvent))
    for i, (topic, failed, dispatched) in enumerate(rows):
        await event(
            database,
            topic,
            T0 - timedelta(seconds=i),
            error="E" if failed else None,
            dispatched=dispatched,
        )

    result = (await backlog(client, database)).payload("outboxBacklog")

    pending = [(t, f) for t, f, d in rows if not d]
    assert result["pending"] == len(pending)
    assert result["withErrors"] == sum(f for _, f in pending)
    assert {t["topic"]: t["pending"] for t in result["byTopic"]} == {
        topic: sum(1 for t, _ in pending if t == topic) for topic in {t for t, _ in pending}
    }


@pytest.mark.parametrize("role", [UserRole.STUDENT, UserRole.INSTRUCTOR])
async def test_students_and_instructors_are_refused(
    client: GraphQLClient, database: Database, role: UserRole
) -> None:
    caller = await person(database, role)
    outcome = await client.execute(BACKLOG, token=token_for(client, caller))
    assert outcome.codes == ["FORBIDDEN"]
    assert outcome.data == {"outboxBacklog": None}
