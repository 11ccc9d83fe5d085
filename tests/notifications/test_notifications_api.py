"""The notifications API: the list (newest first, filters, expiry, only yours), the unread count,
marking read (Property 50), preferences with defaults filled in, and a fixed statement count."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.models import User
from app.clock import frozen
from app.db import Database, count_statements
from app.notifications.models import (
    Notification,
    NotificationCategory,
    NotificationType,
)
from app.notifications.preferences import CHOOSABLE
from app.notifications.service import notify
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)

LIST = """
query($filter: NotificationFilter, $first: Int, $after: String) {
  notifications(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id type category priority title body actionUrl isRead readAt
                          createdAt expiresAt count } }
    pageInfo { hasNextPage endCursor }
  }
  unreadNotificationCount
}
"""
COUNT = "{ unreadNotificationCount }"
PREFERENCES = "{ notificationPreferences { type inApp email push emailDigest transactional } }"


async def send(database: Database, user: User, **kw: Any) -> uuid.UUID:
    args: dict[str, Any] = {
        "type": NotificationType.GRADE_POSTED,
        "title": "Graded",
        "body": "90%",
        "category": NotificationCategory.COURSE,
    }
    args.update(kw)
    async with database.transaction() as session:
        return await notify(session, recipient_id=user.id, **args)


async def listed(client: GraphQLClient, user: User, **variables: Any) -> dict[str, Any]:
    outcome = await client.execute(LIST, variables, token=token_for(client, user))
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return outcome.data


def titles(data: dict[str, Any]) -> list[str]:
    return [e["node"]["title"] for e in data["notifications"]["edges"]]


async def unread(client: GraphQLClient, user: User) -> int:
    outcome = await client.execute(COUNT, token=token_for(client, user))
    assert outcome.data is not None
    count: int = outcome.data["unreadNotificationCount"]
    return count


async def test_the_list_is_yours_newest_first_with_the_unread_count(
    client: GraphQLClient, database: Database
) -> None:
    ada, bob = await person(database), await person(database)
    for i in range(3):
        with frozen(NOW + timedelta(minutes=i)):
            await send(database, ada, title=f"n{i}")
    await send(database, bob, title="not yours")
    data = await listed(client, ada)
    assert titles(data) == ["n2", "n1", "n0"]
    assert data["notifications"]["totalCount"] == 3
    assert data["unreadNotificationCount"] == 3
    node = data["notifications"]["edges"][0]["node"]
    assert node["type"] == "GRADE_POSTED"
    assert node["category"] == "COURSE"
    assert node["isRead"] is False
    assert node["count"] == 1


async def test_pages_follow_the_cursor(client: GraphQLClient, database: Database) -> None:
    ada = await person(database)
    for i in range(5):
        with frozen(NOW + timedelta(minutes=i)):
            await send(database, ada, title=f"n{i}")
    first = await listed(client, ada, first=2)
    assert titles(first) == ["n4", "n3"]
    after = first["notifications"]["pageInfo"]["endCursor"]
    assert titles(await listed(client, ada, first=2, after=after)) == ["n2", "n1"]


async def test_filters_by_unread_types_and_category(
    client: GraphQLClient, database: Database
) -> None:
    ada = await person(database)
    with frozen(NOW):
        read = await send(database, ada, title="old grade")
    with frozen(NOW + timedelta(minutes=1)):
        await send(database, ada, title="grade")
        await send(
            database,
            ada,
            type=NotificationType.PAYMENT_FAILED,
            category=NotificationCategory.PAYMENT,
            title="payment",
        )
    await client.mutate(
        "markNotificationsRead",
        {"ids": [gid("Notification", read)]},
        "unreadCount",
        token=token_for(client, ada),
    )
    assert titles(await listed(client, ada, filter={"unreadOnly": True})) == ["payment", "grade"]
    assert titles(await listed(client, ada, filter={"types": ["PAYMENT_FAILED"]})) == ["payment"]
    assert titles(await listed(client, ada, filter={"category": "COURSE"})) == [
        "grade",
        "old grade",
    ]


async def test_expired_notifications_are_neither_listed_nor_counted(
    client: GraphQLClient, database: Database
) -> None:
    ada = await person(database)
    await send(database, ada, title="expired", expires_at=datetime.now(UTC) - timedelta(hours=1))
    await send(database, ada, title="live", expires_at=datetime.now(UTC) + timedelta(days=1))
    data = await listed(client, ada)
    assert titles(data) == ["live"]
    assert data["unreadNotificationCount"] == 1


async def test_anonymous_callers_are_unauthenticated(client: GraphQLClient) -> None:
    outcome = await client.execute(COUNT)
    assert outcome.codes == ["UNAUTHENTICATED"]


async def test_someone_elses_notification_is_not_found_through_node(
    client: GraphQLClient, database: Database
) -> None:
    ada, bob = await person(database), await person(database)
    theirs = await send(database, bob)
    outcome = await client.execute(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": gid("Notification", theirs)},
        token=token_for(client, ada),
    )
    assert outcome.codes == ["NOT_FOUND"]


# --- marking read ---------------------------------------------------------------------------

MARK_FIELDS = "notifications { id isRead readAt } unreadCount"


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(total=st.integers(min_value=1, max_value=6), data=st.data())
async def test_property_50_marking_read_sets_the_flag_the_time_and_lowers_the_count(
    client: GraphQLClient, database: Database, total: int, data: st.DataObject
) -> None:
    """Property 50 (notification read status update): each notification marked read gets
    isRead = true and readAt set, and the unread count drops by exactly the number marked."""
    ada = await person(database)
    ids = [await send(database, ada, title=f"n{i}") for i in range(total)]
    chosen = data.draw(st.lists(st.sampled_from(ids), unique=True, min_size=1))
    before = await unread(client, ada)
    outcome = await client.mutate(
        "markNotificationsRead",
        {"ids": [gid("Notification", i) for i in chosen]},
        MARK_FIELDS,
        token=token_for(client, ada),
    )
    payload = outcome.payload("markNotificationsRead")
    assert payload["errors"] == []
    marked = payload["notifications"]
    assert {m["id"] for m in marked} == {gid("Notification", i) for i in chosen}
    assert all(m["isRead"] and m["readAt"] for m in marked)
    assert payload["unreadCount"] == before - len(chosen)
    assert await unread(client, ada) == before - len(chosen)


async def test_marking_someone_elses_notification_changes_nothing(
    client: GraphQLClient, database: Database
) -> None:
    ada, bob = await person(database), await person(database)
    theirs = await send(database, bob)
    outcome = await client.mutate(
        "markNotificationsRead",
        {"ids": [gid("Notification", theirs)]},
        MARK_FIELDS,
        token=token_for(client, ada),
    )
    assert outcome.payload("markNotificationsRead")["notifications"] == []
    assert await unread(client, bob) == 1


async def test_marking_an_already_read_one_again_keeps_its_read_time(
    client: GraphQLClient, database: Database
) -> None:
    ada = await person(database)
    one = await send(database, ada)
    args = ({"ids": [gid("Notification", one)]}, MARK_FIELDS)
    await client.mutate("markNotificationsRead", *args, token=token_for(client, ada))
    async with database.session() as session:
        first = (await session.get(Notification, one)).read_at  # type: ignore[union-attr]
    again = await client.mutate("markNotificationsRead", *args, token=token_for(client, ada))
    assert again.payload("markNotificationsRead")["notifications"] == []
    async with database.session() as session:
        assert (await session.get(Notification, one)).read_at == first  # type: ignore[union-attr]


async def test_more_than_100_ids_is_too_many(client: GraphQLClient, database: Database) -> None:
    ada = await person(database)
    ids = [gid("Notification", uuid.uuid4()) for _ in range(101)]
    outcome = await client.mutate(
        "markNotificationsRead", {"ids": ids}, MARK_FIELDS, token=token_for(client, ada)
    )
    assert outcome.payload("markNotificationsRead")["errors"][0]["code"] == "TOO_MANY"


async def test_mark_all_read_marks_only_yours_and_returns_how_many(
    client: GraphQLClient, database: Database
) -> None:
    ada, bob = await person(database), await person(database)
    for _ in range(3):
        await send(database, ada)
    await send(database, bob)
    outcome = await client.mutate(
        "markAllNotificationsRead", {}, "count", token=token_for(client, ada)
    )
    assert outcome.payload("markAllNotificationsRead")["count"] == 3
    assert await unread(client, ada) == 0
    assert await unread(client, bob) == 1


async def test_the_list_runs_as_many_statements_for_many_notifications_as_for_one(
    client: GraphQLClient, database: Database
) -> None:
    ada = await person(database)
    await send(database, ada)

    async def statements() -> int:
        with count_statements(database.engine) as counter:
            await listed(client, ada)
        return counter.count

    one = await statements()
    for _ in range(5):
        await send(database, ada)
    assert await statements() == one


# --- preferences ----------------------------------------------------------------------------


async def test_preferences_list_every_type_with_its_defaults(
    client: GraphQLClient, database: Database
) -> None:
    ada = await person(database)
    outcome = await client.execute(PREFERENCES, token=token_for(client, ada))
    assert outcome.data is not None
    rows = {p["type"]: p for p in outcome.data["notificationPreferences"]}
    assert set(rows) == {t.name for t in CHOOSABLE}
    assert "DIGEST" not in rows
    assert rows["NEW_MESSAGE"] == {
        "type": "NEW_MESSAGE",
        "inApp": True,
        "email": True,
        "push": False,
        "emailDigest": "DAILY",
        "transactional": False,
    }
    assert rows["GRADE_POSTED"]["emailDigest"] == "IMMEDIATE"
    assert rows["PAYMENT_FAILED"]["transactional"] is True


UPDATE_FIELDS = "preferences { type inApp email push emailDigest }"


async def test_updating_a_preference_keeps_omitted_channels_and_shapes_delivery(
    client: GraphQLClient, database: Database
) -> None:
    ada = await person(database)
    outcome = await client.mutate(
        "updateNotificationPreferences",
        {"preferences": [{"type": "GRADE_POSTED", "email": False, "push": True}]},
        UPDATE_FIELDS,
        token=token_for(client, ada),
    )
    payload = outcome.payload("updateNotificationPreferences")
    assert payload["errors"] == []
    grade = next(p for p in payload["preferences"] if p["type"] == "GRADE_POSTED")
    assert grade == {
        "type": "GRADE_POSTED",
        "inApp": True,
        "email": False,
        "push": True,
        "emailDigest": "IMMEDIATE",
    }
    again = await client.execute(PREFERENCES, token=token_for(client, ada))
    assert again.data is not None
    stored = next(p for p in again.data["notificationPreferences"] if p["type"] == "GRADE_POSTED")
    assert stored["email"] is False
    assert stored["push"] is True


async def test_transactional_emails_cannot_be_turned_off(
    client: GraphQLClient, database: Database
) -> None:
    ada = await person(database)
    outcome = await client.mutate(
        "updateNotificationPreferences",
        {"preferences": [{"type": "REFUND_PROCESSED", "email": False}]},
        UPDATE_FIELDS,
        token=token_for(client, ada),
    )
    [error] = outcome.payload("updateNotificationPreferences")["errors"]
    assert error["code"] == "TRANSACTIONAL_EMAIL"
    assert error["field"] == "preferences[0].email"


async def test_a_type_listed_twice_or_the_digest_itself_is_refused(
    client: GraphQLClient, database: Database
) -> None:
    ada = await person(database)
    outcome = await client.mutate(
        "updateNotificationPreferences",
        {
            "preferences": [
                {"type": "NEW_MESSAGE", "push": True},
                {"type": "NEW_MESSAGE", "push": False},
                {"type": "DIGEST", "email": False},
            ]
        },
        UPDATE_FIELDS,
        token=token_for(client, ada),
    )
    codes = [e["code"] for e in outcome.payload("updateNotificationPreferences")["errors"]]
    assert codes == ["DUPLICATE_TYPE", "NOT_CHOOSABLE"]
