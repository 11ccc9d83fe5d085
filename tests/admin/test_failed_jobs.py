"""Failed jobs: a job message that exhausts its retries is recorded once (DeadLetters
middleware on a real Worker over the StubBroker); outbox events that keep failing are listed too;
admins retry either kind exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from app.accounts.models import User, UserRole
from app.admin.jobs import OUTBOX_FAILING_ATTEMPTS, RETRY_JOB_TOPIC, record_failed_job
from app.admin.models import FailedJob
from app.db import Database
from app.outbox import OutboxEvent, emit, relay_once
from tests.support.catalog import person, token_for
from tests.support.graphql import GraphQLClient, Outcome

FAILED = """query($filter: FailedJobFilter, $first: Int, $after: String) {
  failedJobs(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id source queue name args kwargs error traceback attempts failedAt retriedAt resolvedAt
    } } } }"""
RETRY = """mutation($input: RetryFailedJobInput!) { retryFailedJob(input: $input) {
  job { id source retriedAt resolvedAt attempts } errors { field code message } } }"""

CALLS: list[tuple[Any, ...]] = []
FAILING = {"on": True}


def always_fails(course_id: str, *, reason: str = "") -> None:
    raise RuntimeError(f"boom for {course_id}")


def flaky(course_id: str, *, reason: str = "") -> None:
    if FAILING["on"]:
        raise RuntimeError("not yet")
    CALLS.append((course_id, reason))


@pytest.fixture
def broker(worker: Any) -> Iterator[Any]:
    """The test broker with two actors: one always fails, one fails while FAILING is on."""
    import dramatiq

    from workers.broker import broker

    for fn in (always_fails, flaky):
        if fn.__name__ not in broker.actors:
            dramatiq.actor(
                fn,
                broker=broker,
                queue_name="default",
                max_retries=1,
                min_backoff=10,
                max_backoff=20,
            )
    broker.flush_all()
    CALLS.clear()
    FAILING["on"] = True
    yield broker
    broker.flush_all()


async def join(broker: Any) -> None:
    await asyncio.to_thread(broker.join, "default", timeout=20_000, fail_fast=False)


async def jobs(database: Database) -> list[FailedJob]:
    async with database.session() as session:
        return list(await session.scalars(select(FailedJob).order_by(FailedJob.failed_at)))


async def listed(client: GraphQLClient, user: User, **variables: Any) -> Outcome:
    return await client.execute(FAILED, variables, token=token_for(client, user))


def nodes(outcome: Outcome) -> list[dict[str, Any]]:
    return [e["node"] for e in outcome.payload("failedJobs")["edges"]]


async def retry(client: GraphQLClient, user: User, job_id: str) -> Outcome:
    return await client.execute(RETRY, {"input": {"id": job_id}}, token=token_for(client, user))


async def failing_event(database: Database, attempts: int, topic: str = "email.send") -> uuid.UUID:
    async with database.transaction() as session:
        event_id = await emit(session, topic, {"email_id": str(uuid.uuid4())})
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id)
            .values(
                attempts=attempts,
                last_error="ConnectionError: no broker",
                available_at=func.now() + timedelta(minutes=10),
            )
        )
    return event_id


# --- the dead-letter middleware ------------------------------------------------------------


async def test_a_job_that_exhausts_its_retries_is_recorded_with_its_arguments_and_error(
    database: Database, broker: Any
) -> None:
    message = broker.get_actor("always_fails").send("c-1", reason="reindex")
    await join(broker)

    [job] = await jobs(database)
    assert (job.message_id, job.queue, job.actor) == (message.message_id, "default", "always_fails")
    assert (job.args, job.kwargs) == (["c-1"], {"reason": "reindex"})
    assert job.error == "RuntimeError: boom for c-1"
    assert job.traceback is not None
    assert "boom for c-1" in job.traceback
    assert job.retries == 2  # the first run and its one retry both failed
    assert (job.retried_at, job.resolved_at) == (None, None)


async def test_a_job_that_succeeds_on_retry_is_not_recorded(
    database: Database, broker: Any
) -> None:
    FAILING["on"] = False
    broker.get_actor("flaky").send("c-2")
    await join(broker)
    assert await jobs(database) == []
    assert CALLS == [("c-2", "")]


async def test_a_dead_letter_is_recorded_once_per_message(database: Database) -> None:
    values: dict[str, Any] = {
        "message_id": "m-1",
        "queue": "default",
        "actor": "send_email",
        "args": ["e-1"],
        "kwargs": {},
        "error": "OSError: down",
        "traceback": "x" * 20_000,
        "retries": 11,
    }
    async with database.transaction() as session:
        assert await record_failed_job(session, **values) is True
    async with database.transaction() as session:
        assert await record_failed_job(session, **values) is False

    [job] = await jobs(database)
    assert job.traceback is not None
    assert len(job.traceback) == 8000


# --- listing ----------------------------------------------------------------------------------


async def test_admins_list_dead_letters_and_outbox_events_that_keep_failing_newest_first(
    client: GraphQLClient, database: Database, broker: Any
) -> None:
    broker.get_actor("always_fails").send("c-3")
    await join(broker)
    failing = await failing_event(database, OUTBOX_FAILING_ATTEMPTS)
    await failing_event(database, OUTBOX_FAILING_ATTEMPTS - 1)  # still within the relay's stride
    admin = await person(database, UserRole.ADMIN)

    items = nodes(await listed(client, admin))

    assert [(i["source"], i["name"]) for i in items] == [
        ("OUTBOX", "email.send"),
        ("DRAMATIQ", "always_fails"),
    ]
    outbox, dead = items
    assert outbox["attempts"] == OUTBOX_FAILING_ATTEMPTS
    assert outbox["error"] == "ConnectionError: no broker"
    assert outbox["args"]["email_id"]
    assert (outbox["queue"], outbox["kwargs"]) == (None, None)
    assert (dead["queue"], dead["args"], dead["kwargs"]) == ("default", ["c-3"], {})
    assert dead["error"] == "RuntimeError: boom for c-3"
    only_outbox = nodes(await listed(client, admin, filter={"source": "OUTBOX"}))
    assert [i["id"] for i in only_outbox] == [outbox["id"]]
    assert failing  # its id is opaque; retrying it is tested below


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(size=st.integers(min_value=1, max_value=3), count=st.integers(min_value=0, max_value=6))
async def test_paging_visits_every_failed_job_once(
    client: GraphQLClient, database: Database, size: int, count: int
) -> None:
    async with database.transaction() as session:
        await session.execute(FailedJob.__table__.delete())
    base = datetime(2026, 1, 1, tzinfo=UTC)
    async with database.transaction() as session:
        for i in range(count):
            session.add(
                FailedJob(
                    message_id=str(uuid.uuid4()),
                    queue="default",
                    actor="send_email",
                    error="E",
                    failed_at=base + timedelta(minutes=i // 2),  # pairs share a time
                )
            )
    admin = await person(database, UserRole.ADMIN)

    seen: list[str] = []
    after = None
    while True:
        outcome = await listed(client, admin, first=size, after=after)
        seen += [n["failedAt"] for n in nodes(outcome)]
        info = outcome.payload("failedJobs")["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]

    assert len(seen) == count == outcome.payload("failedJobs")["totalCount"]
    assert seen == sorted(seen, reverse=True)


# --- retrying -------------------------------------------------------------------------------


async def test_retrying_a_dead_letter_runs_the_same_actor_with_the_same_arguments_once(
    client: GraphQLClient, database: Database, broker: Any
) -> None:
    from workers.relay import dispatch

    broker.get_actor("flaky").send("c-4", reason="again")
    await join(broker)
    [dead] = nodes(await listed(client, admin := await person(database, UserRole.ADMIN)))
    FAILING["on"] = False

    result = (await retry(client, admin, dead["id"])).payload("retryFailedJob")

    assert result["errors"] == []
    assert result["job"]["retriedAt"] is not None
    assert result["job"]["resolvedAt"] is not None
    assert CALLS == []  # handed over through the outbox, after the commit
    assert await relay_once(database, dispatch) == 1
    await join(broker)
    assert CALLS == [("c-4", "again")]
    assert len(await jobs(database)) == 1  # the retry succeeded: no new dead letter
    assert nodes(await listed(client, admin)) == []
    resolved = nodes(await listed(client, admin, filter={"resolved": True}))
    assert [i["id"] for i in resolved] == [dead["id"]]


async def test_a_job_is_retried_once_even_when_two_admins_click_at_once(
    client: GraphQLClient, database: Database, broker: Any
) -> None:
    broker.get_actor("always_fails").send("c-5")
    await join(broker)
    ada = await person(database, UserRole.ADMIN)
    bob = await person(database, UserRole.ADMIN)
    [dead] = nodes(await listed(client, ada))

    outcomes = await asyncio.gather(retry(client, ada, dead["id"]), retry(client, bob, dead["id"]))

    codes = sorted([e["code"] for e in o.payload("retryFailedJob")["errors"]] for o in outcomes)
    assert codes == [[], ["CONFLICT"]]
    async with database.session() as session:
        retries = await session.scalar(
            select(func.count()).where(OutboxEvent.topic == RETRY_JOB_TOPIC)
        )
    assert retries == 1


async def test_retrying_a_failing_outbox_event_makes_it_due_now_with_fresh_attempts(
    client: GraphQLClient, database: Database
) -> None:
    event_id = await failing_event(database, OUTBOX_FAILING_ATTEMPTS + 3)
    admin = await person(database, UserRole.ADMIN)
    [item] = nodes(await listed(client, admin))

    result = (await retry(client, admin, item["id"])).payload("retryFailedJob")
    again = (await retry(client, admin, item["id"])).payload("retryFailedJob")

    assert result["errors"] == []
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"]
    async with database.session() as session:
        event = await session.get(OutboxEvent, event_id)
        now = await session.scalar(select(func.now()))
    assert event is not None
    assert now is not None
    assert event.attempts == 0
    assert event.available_at <= now
    assert nodes(await listed(client, admin)) == []


async def test_an_unknown_job_is_not_found(client: GraphQLClient, database: Database) -> None:
    admin = await person(database, UserRole.ADMIN)
    outcome = await retry(
        client, admin, "RmFpbGVkSm9iOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMQ=="
    )
    assert outcome.codes == ["NOT_FOUND"]


@pytest.mark.parametrize("role", [UserRole.STUDENT, UserRole.INSTRUCTOR])
async def test_students_and_instructors_are_refused_and_nothing_is_retried(
    client: GraphQLClient, database: Database, role: UserRole
) -> None:
    await failing_event(database, OUTBOX_FAILING_ATTEMPTS)
    admin, caller = await person(database, UserRole.ADMIN), await person(database, role)
    [item] = nodes(await listed(client, admin))

    assert (await listed(client, caller)).codes == ["FORBIDDEN"]
    assert (await retry(client, caller, item["id"])).codes == ["FORBIDDEN"]
    assert [i["attempts"] for i in nodes(await listed(client, admin))] == [OUTBOX_FAILING_ATTEMPTS]
