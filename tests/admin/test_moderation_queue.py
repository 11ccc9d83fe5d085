"""The moderation queue: admins list reports of posts and messages oldest first and decide on
them; a decision closes every open report of the same content, once, even under a race."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.admin.models import AuditLogEntry, ContentReport, ReportStatus
from app.communication import discussions, messaging
from app.communication.models import DiscussionPost
from app.db import Database, count_statements
from app.pagination import PageRequest
from app.security.permissions import Actor
from tests.support.catalog import gid, person, token_for
from tests.support.discussions import forum, reply, thread
from tests.support.graphql import GraphQLClient, Outcome

QUEUE = """query($filter: ModerationQueueFilter, $first: Int, $after: String) {
  moderationQueue(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id targetType reason details status targetReportCount targetOpenReportCount
      reporter { id }
      resolvedBy { id }
      target { __typename
        ... on DiscussionPost { id body isDeleted }
        ... on Message { id text: body } } } } } }"""
RESOLVE = """mutation($input: ResolveReportInput!) { resolveReport(input: $input) {
  resolvedCount report { id status resolutionNote resolvedBy { id } }
  errors { field code message } } }"""


def actor(user: User) -> Actor:
    return Actor.of(user)


async def reported_post(database: Database, redis: Redis) -> tuple[DiscussionPost, list[User]]:
    """A reply in a course forum, reported by two students of the course."""
    place = await forum(database)
    opening = await thread(database, redis, place.teacher, place.course)
    post = await reply(database, redis, place.teacher, opening.id, body="<p>Buy pills</p>")
    reporters = [place.student, await place.member(database)]
    for i, reporter in enumerate(reporters):
        async with database.transaction() as session:
            await discussions.report_post(
                session, actor=actor(reporter), post_id=post.id, reason="spam", details=f"#{i}"
            )
    return post, reporters


async def reported_message(database: Database, redis: Redis) -> tuple[uuid.UUID, User, User]:
    """A message an admin-less pair exchanged, reported by its recipient."""
    place = await forum(database)
    async with database.transaction() as session:
        sent = await messaging.start_conversation(
            session,
            redis,
            actor=actor(place.student),
            recipient_id=place.teacher.id,
            body="<p>You are an idiot</p>",
        )
    async with database.transaction() as session:
        await messaging.report_message(
            session, actor=actor(place.teacher), message_id=sent.message.id, reason="harassment"
        )
    return sent.message.id, place.student, place.teacher


async def reports(database: Database) -> list[ContentReport]:
    async with database.session() as session:
        rows = await session.scalars(select(ContentReport).order_by(ContentReport.created_at))
        return list(rows)


async def queue(client: GraphQLClient, user: User, **variables: Any) -> Outcome:
    return await client.execute(QUEUE, variables, token=token_for(client, user))


def nodes(outcome: Outcome) -> list[dict[str, Any]]:
    return [e["node"] for e in outcome.payload("moderationQueue")["edges"]]


async def resolve(client: GraphQLClient, user: User, report_id: uuid.UUID, action: str, **kw: Any):  # type: ignore[no-untyped-def]
    variables = {"input": {"reportId": gid("ContentReport", report_id), "action": action, **kw}}
    return await client.execute(RESOLVE, variables, token=token_for(client, user))


async def test_admins_see_open_reports_oldest_first_with_content_reporter_and_counts(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    post, reporters = await reported_post(database, redis_client)
    message_id, _, recipient = await reported_message(database, redis_client)
    admin = await person(database, UserRole.ADMIN)

    items = nodes(await queue(client, admin))

    assert [i["targetType"] for i in items] == ["DISCUSSION_POST", "DISCUSSION_POST", "MESSAGE"]
    assert [i["reporter"]["id"] for i in items] == [
        gid("User", reporters[0].id),
        gid("User", reporters[1].id),
        gid("User", recipient.id),
    ]
    assert [i["details"] for i in items] == ["#0", "#1", None]
    assert [i["reason"] for i in items] == ["SPAM", "SPAM", "HARASSMENT"]
    assert [(i["targetReportCount"], i["targetOpenReportCount"]) for i in items] == [
        (2, 2),
        (2, 2),
        (1, 1),
    ]
    assert items[0]["target"] == {
        "__typename": "DiscussionPost",
        "id": gid("DiscussionPost", post.id),
        "body": "<p>Buy pills</p>",
        "isDeleted": False,
    }
    # the admin takes no part in the conversation, yet sees the reported message here
    assert items[2]["target"] == {
        "__typename": "Message",
        "id": gid("Message", message_id),
        "text": "<p>You are an idiot</p>",
    }


async def test_the_filter_picks_a_kind_of_content_and_a_status(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    await reported_post(database, redis_client)
    message_id, _, _ = await reported_message(database, redis_client)
    admin = await person(database, UserRole.ADMIN)
    [message_report] = [r for r in await reports(database) if r.target_id == message_id]
    assert not (await resolve(client, admin, message_report.id, "DISMISS")).errors

    messages = nodes(await queue(client, admin, filter={"targetType": "MESSAGE"}))
    dismissed = nodes(await queue(client, admin, filter={"status": "DISMISSED"}))
    everything = nodes(await queue(client, admin, filter={"status": None}))

    assert messages == []  # the only message report is no longer open
    assert [(i["targetType"], i["status"]) for i in dismissed] == [("MESSAGE", "DISMISSED")]
    assert dismissed[0]["resolvedBy"] == {"id": gid("User", admin.id)}
    assert len(everything) == 3


async def test_hiding_a_post_soft_deletes_it_and_closes_every_open_report_of_it(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    post, _ = await reported_post(database, redis_client)
    other, _ = await reported_post(database, redis_client)
    admin = await person(database, UserRole.ADMIN)
    first = next(r for r in await reports(database) if r.target_id == post.id)

    outcome = await resolve(client, admin, first.id, "HIDE_CONTENT", note="Spam <b>link</b>")

    result = outcome.payload("resolveReport")
    assert result["errors"] == []
    assert result["resolvedCount"] == 2
    assert result["report"]["status"] == "RESOLVED"
    assert result["report"]["resolutionNote"] == "Spam link"
    async with database.session() as session:
        hidden = await session.get(DiscussionPost, post.id)
        kept = await session.get(DiscussionPost, other.id)
    assert hidden is not None
    assert hidden.deleted_at is not None
    assert kept is not None
    assert kept.deleted_at is None
    by_target = {(r.target_id, r.status) for r in await reports(database)}
    assert by_target == {(post.id, ReportStatus.RESOLVED), (other.id, ReportStatus.OPEN)}


async def test_deleting_a_message_hides_it_from_both_participants(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    message_id, sender, recipient = await reported_message(database, redis_client)
    admin = await person(database, UserRole.ADMIN)
    [report] = await reports(database)

    outcome = await resolve(client, admin, report.id, "DELETE_CONTENT")

    assert outcome.payload("resolveReport")["errors"] == []
    async with database.session() as session:
        for user in (sender, recipient):
            page = await messaging.list_messages(
                session,
                actor=actor(user),
                conversation_id=(await session.get(messaging.Message, message_id)).conversation_id,  # type: ignore[union-attr]
                request=PageRequest.create(first=10),
            )
            assert page.items == []
    assert [r.status for r in await reports(database)] == [ReportStatus.RESOLVED]


async def test_dismissing_leaves_the_content_alone(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    post, _ = await reported_post(database, redis_client)
    admin = await person(database, UserRole.ADMIN)
    first = (await reports(database))[0]

    result = (await resolve(client, admin, first.id, "DISMISS")).payload("resolveReport")

    assert (result["resolvedCount"], result["report"]["status"]) == (2, "DISMISSED")
    async with database.session() as session:
        row = await session.get(DiscussionPost, post.id)
    assert row is not None
    assert row.deleted_at is None


async def test_a_decided_report_cannot_be_decided_again(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    await reported_post(database, redis_client)
    admin = await person(database, UserRole.ADMIN)
    first, second = await reports(database)
    assert not (await resolve(client, admin, first.id, "DISMISS")).errors

    again = (await resolve(client, admin, second.id, "HIDE_CONTENT")).payload("resolveReport")

    assert [e["code"] for e in again["errors"]] == ["CONFLICT"]
    assert {r.status for r in await reports(database)} == {ReportStatus.DISMISSED}


async def test_two_admins_resolving_at_once_one_wins_and_the_other_is_told(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    post, _ = await reported_post(database, redis_client)
    ada = await person(database, UserRole.ADMIN)
    bob = await person(database, UserRole.ADMIN)
    first, second = await reports(database)

    outcomes = await asyncio.gather(
        resolve(client, ada, first.id, "DISMISS"),
        resolve(client, bob, second.id, "HIDE_CONTENT"),
    )

    payloads = [o.payload("resolveReport") for o in outcomes]
    winners = [p for p in payloads if not p["errors"]]
    losers = [p for p in payloads if p["errors"]]
    assert len(winners) == 1
    assert len(losers) == 1
    assert [e["code"] for e in losers[0]["errors"]] == ["CONFLICT"]
    assert winners[0]["resolvedCount"] == 2
    rows = await reports(database)
    assert len({(r.status, r.resolved_by_id) for r in rows}) == 1  # one decision for both
    async with database.session() as session:
        row = await session.get(DiscussionPost, post.id)
    assert row is not None
    assert (row.deleted_at is not None) == (rows[0].status == ReportStatus.RESOLVED)


@pytest.mark.parametrize("role", [UserRole.STUDENT, UserRole.INSTRUCTOR])
async def test_students_and_instructors_are_refused_and_nothing_changes(
    client: GraphQLClient, database: Database, redis_client: Redis, role: UserRole
) -> None:
    post, _ = await reported_post(database, redis_client)
    caller = await person(database, role)
    first = (await reports(database))[0]

    listed = await queue(client, caller)
    decided = await resolve(client, caller, first.id, "DELETE_CONTENT")

    assert listed.codes == ["FORBIDDEN"]
    assert decided.codes == ["FORBIDDEN"]
    assert {r.status for r in await reports(database)} == {ReportStatus.OPEN}
    async with database.session() as session:
        row = await session.get(DiscussionPost, post.id)
    assert row is not None
    assert row.deleted_at is None


async def test_a_note_past_its_limit_is_refused_and_nothing_changes(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    await reported_post(database, redis_client)
    admin = await person(database, UserRole.ADMIN)
    first = (await reports(database))[0]

    result = (await resolve(client, admin, first.id, "HIDE_CONTENT", note="x" * 2001)).payload(
        "resolveReport"
    )

    assert [(e["field"], e["code"]) for e in result["errors"]] == [("note", "TOO_LONG")]
    assert {r.status for r in await reports(database)} == {ReportStatus.OPEN}


async def test_an_unknown_report_is_not_found(client: GraphQLClient, database: Database) -> None:
    admin = await person(database, UserRole.ADMIN)
    outcome = await resolve(client, admin, uuid.uuid4(), "DISMISS")
    assert outcome.codes == ["NOT_FOUND"]


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(size=st.integers(min_value=1, max_value=4), posts=st.integers(min_value=1, max_value=3))
async def test_paging_visits_every_open_report_once_in_filing_order(
    client: GraphQLClient, database: Database, redis_client: Redis, size: int, posts: int
) -> None:
    await redis_client.flushdb()  # the posting rate limit of earlier examples
    for _ in range(posts):
        await reported_post(database, redis_client)
    admin = await person(database, UserRole.ADMIN)
    expected = [gid("ContentReport", r.id) for r in await reports(database) if r.status == "open"]

    seen: list[str] = []
    after = None
    while True:
        outcome = await queue(client, admin, first=size, after=after)
        seen += [n["id"] for n in nodes(outcome)]
        info = outcome.payload("moderationQueue")["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]

    assert seen == expected


async def test_a_page_of_reports_costs_the_same_statements_however_many_it_holds(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    await reported_message(database, redis_client)
    for _ in range(4):
        await reported_post(database, redis_client)
    admin = await person(database, UserRole.ADMIN)
    counts = []
    for first in (2, 9):
        with count_statements(database.engine) as counter:
            outcome = await queue(client, admin, first=first)
        assert len(nodes(outcome)) == first
        counts.append(counter.count)

    assert counts[0] == counts[1], counts
    assert counts[0] <= 6, counts  # viewer, the page, its count, users, posts, messages


async def test_the_decision_is_recorded_in_the_audit_log(
    client: GraphQLClient, database: Database, redis_client: Redis
) -> None:
    await reported_post(database, redis_client)
    admin = await person(database, UserRole.ADMIN)
    first = (await reports(database))[0]

    assert not (await resolve(client, admin, first.id, "DELETE_CONTENT", note="Spam")).errors

    async with database.session() as session:
        [entry] = await session.scalars(select(AuditLogEntry))
    assert (entry.actor_id, entry.action) == (admin.id, "resolveReport")
    assert entry.changes["input"]["action"] == "DELETE_CONTENT"
