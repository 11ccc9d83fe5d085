"""`learningEvents` (admins only): recorded events newest first in a cursor connection, filtered
by learner, course, types and time, each with typed properties and its xAPI statement;
non-admins get FORBIDDEN (its statement budget: test_statement_budget.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.accounts.models import UserRole
from app.analytics import EventType, record_event
from app.analytics.xapi import statement_id
from app.db import Database
from tests.support.catalog import gid, person, token_for
from tests.support.events import (
    EVENTS,
    T0,
    admin_token,
    flush,
    learning_events,
    nodes,
    watched,
)
from tests.support.graphql import GraphQLClient


async def test_an_admin_reads_events_newest_first_with_typed_properties_and_statement(
    client: GraphQLClient, database: Database
) -> None:
    learner = await person(database)
    course_id = uuid.uuid4()
    older = watched(learner, course_id, 30, minutes=1)
    newer = record_event(
        EventType.QUIZ_SUBMITTED,
        user_id=learner.id,
        course_id=course_id,
        entity_type="quiz",
        entity_id=(quiz_id := uuid.uuid4()),
        properties={"attempt_id": "a1", "score": 75.0, "passed": True},
        occurred_at=T0 + timedelta(minutes=2),
    )
    await flush(database)

    page = await learning_events(client, await admin_token(client, database))

    assert page["totalCount"] == 2
    first, second = nodes(page)
    assert [first["id"], second["id"]] == [str(newer), str(older)]
    assert first["type"] == "QUIZ_SUBMITTED"
    assert first["occurredAt"] == "2026-06-01T12:02:00+00:00"
    assert (first["userId"], first["courseId"]) == (
        gid("User", learner.id),
        gid("Course", course_id),
    )
    assert (first["entityType"], first["entityId"]) == ("QUIZ", gid("Quiz", quiz_id))
    assert first["properties"] == {
        "seconds": None,
        "score": 75.0,
        "passed": True,
        "attemptId": "a1",
        "query": None,
        "results": None,
        "source": None,
        "amount": None,
    }
    assert second["properties"]["seconds"] == 30
    assert first["statement"]["id"] == str(statement_id(newer))
    assert first["statement"]["actor"]["account"]["name"] == gid("User", learner.id)
    assert first["statement"]["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"


async def test_the_filter_narrows_by_learner_course_types_and_time(
    client: GraphQLClient, database: Database
) -> None:
    ada, bob = await person(database), await person(database)
    course_a, course_b = uuid.uuid4(), uuid.uuid4()
    keep = watched(ada, course_a, 10, minutes=5)
    watched(ada, course_a, 10, minutes=50)  # too late
    watched(ada, course_b, 10, minutes=5)  # another course
    watched(bob, course_a, 10, minutes=5)  # another learner
    record_event(EventType.LESSON_VIEWED, user_id=ada.id, course_id=course_a, occurred_at=T0)
    await flush(database)
    token = await admin_token(client, database)

    page = await learning_events(
        client,
        token,
        filter={
            "userId": gid("User", ada.id),
            "courseId": gid("Course", course_a),
            "types": ["VIDEO_WATCHED"],
            "occurredFrom": T0.isoformat(),
            "occurredTo": (T0 + timedelta(minutes=30)).isoformat(),
        },
    )

    assert [n["id"] for n in nodes(page)] == [str(keep)]


async def test_pages_follow_each_other_without_gaps_or_repeats(
    client: GraphQLClient, database: Database
) -> None:
    learner = await person(database)
    for minute in (1, 2, 2, 3, 4):  # two at the same instant: the id breaks the tie
        watched(learner, uuid.uuid4(), 5, minutes=minute)
    await flush(database)
    token = await admin_token(client, database)
    everything = [n["id"] for n in nodes(await learning_events(client, token))]

    seen: list[str] = []
    after = None
    while True:
        page = await learning_events(client, token, first=2, after=after)
        seen += [n["id"] for n in nodes(page)]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == everything
    assert len(seen) == 5


async def test_a_page_larger_than_the_cap_is_refused(
    client: GraphQLClient, database: Database
) -> None:
    outcome = await client.execute(
        EVENTS, {"first": 101}, token=await admin_token(client, database)
    )

    assert outcome.codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("role", [UserRole.STUDENT, UserRole.INSTRUCTOR])
async def test_only_admins_read_learning_events(
    client: GraphQLClient, database: Database, role: UserRole
) -> None:
    caller = await person(database, role)
    record_event(EventType.USER_SIGNED_IN, user_id=caller.id)
    await flush(database)

    outcome = await client.execute(EVENTS, {}, token=token_for(client, caller))

    assert outcome.codes == ["FORBIDDEN"]
    assert outcome.data is None or outcome.data.get("learningEvents") is None


async def test_anonymous_callers_must_sign_in(client: GraphQLClient) -> None:
    outcome = await client.execute(EVENTS, {})

    assert outcome.codes == ["UNAUTHENTICATED"]


async def test_a_purchase_shows_its_amount_as_money(
    client: GraphQLClient, database: Database
) -> None:
    buyer = await person(database)
    record_event(
        EventType.PURCHASE_COMPLETED,
        user_id=buyer.id,
        course_id=uuid.uuid4(),
        entity_type="order",
        entity_id=(order_id := uuid.uuid4()),
        properties={"amount_minor": 1999, "currency": "USD"},
    )
    await flush(database)

    [node] = nodes(await learning_events(client, await admin_token(client, database)))

    assert node["properties"]["amount"] == {"amount": "19.99", "currency": "USD"}
    assert (node["entityType"], node["entityId"]) == ("ORDER", gid("Order", order_id))
