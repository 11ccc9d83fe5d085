"""notify(): one record per event, delivered through the channels the recipient chose (in-app with
a live event, e-mail now or in a digest, push), bursts folded into one notification."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from app import live
from app.accounts.models import User
from app.clock import frozen
from app.db import Database
from app.notifications.models import (
    DigestFrequency,
    EmailLog,
    Notification,
    NotificationPreference,
    NotificationType,
)
from app.notifications.preferences import POLICIES, Channels
from app.notifications.service import PUSH_TOPIC, EmailContent, notify
from app.outbox import OutboxEvent
from tests.support.catalog import person

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


async def send(database: Database, user: User, **kw: Any) -> uuid.UUID:
    args: dict[str, Any] = {
        "type": NotificationType.GRADE_POSTED,
        "title": "Your quiz was graded",
        "body": "You scored 90%.",
    }
    args.update(kw)
    async with database.transaction() as session:
        return await notify(session, recipient_id=user.id, **args)


async def choose(
    database: Database, user: User, type: NotificationType, channels: Channels
) -> None:
    async with database.transaction() as session:
        await session.execute(
            delete(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
        session.add(
            NotificationPreference(
                user_id=user.id,
                type=type,
                in_app=channels.in_app,
                email=channels.email,
                push=channels.push,
                email_digest=channels.email_digest,
            )
        )


async def rows_of(database: Database, user: User) -> list[Notification]:
    async with database.session() as session:
        found = await session.scalars(
            select(Notification).where(Notification.recipient_id == user.id)
        )
        return list(found)


async def emails_of(database: Database, user: User) -> list[EmailLog]:
    async with database.session() as session:
        return list(await session.scalars(select(EmailLog).where(EmailLog.user_id == user.id)))


async def events_about(database: Database, notification_id: uuid.UUID) -> dict[str, int]:
    """How many live and push events name this notification."""
    async with database.session() as session:
        events = list(await session.scalars(select(OutboxEvent)))
    counts = {"live": 0, "push": 0}
    for e in events:
        if e.topic == live.LIVE_TOPIC and e.payload["event"].get("notification_id") == str(
            notification_id
        ):
            assert e.payload["channel"].startswith(live.CHANNEL_PREFIX + "user:")
            assert e.payload["event"]["type"] == "notification"
            counts["live"] += 1
        if e.topic == PUSH_TOPIC and e.payload.get("notification_id") == str(notification_id):
            counts["push"] += 1
    return counts


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    type=st.sampled_from(sorted(POLICIES)),
    in_app=st.booleans(),
    email=st.booleans(),
    push=st.booleans(),
    digest=st.sampled_from(list(DigestFrequency)),
)
async def test_property_48_a_record_is_created_and_delivered_as_preferences_say(
    database: Database,
    type: NotificationType,
    in_app: bool,
    email: bool,
    push: bool,
    digest: DigestFrequency,
) -> None:
    """Property 48 (notification creation and delivery): every notify() writes one record, and
    triggers in-app (live event), e-mail (now or digest) and push exactly as the recipient's
    preference for the type says; transactional types always e-mail at once."""
    user = await person(database)
    await choose(database, user, type, Channels(in_app, email, push, digest))
    policy = POLICIES[type]
    notification_id = await send(database, user, type=type, metadata={})

    [row] = await rows_of(database, user)
    assert row.id == notification_id
    events = await events_about(database, row.id)
    assert events["live"] == (1 if in_app else 0)
    assert events["push"] == (1 if push else 0)
    assert row.is_read is not in_app  # in-app off: written read and expired, never shown
    sends = email or policy.transactional
    immediate = policy.transactional or digest == DigestFrequency.IMMEDIATE
    expected_now = sends and immediate and policy.template is not None
    emails = await emails_of(database, user)
    assert [e.template for e in emails] == ([policy.template] if expected_now else [])
    assert row.digest_pending is (sends and not immediate and policy.template is not None)


async def test_without_a_preference_row_the_types_defaults_apply(database: Database) -> None:
    user = await person(database)
    await send(database, user, type=NotificationType.GRADE_POSTED)  # e-mail at once
    await send(database, user, type=NotificationType.DISCUSSION_REPLY)  # daily digest
    emails = await emails_of(database, user)
    assert [e.template for e in emails] == ["grade_posted"]
    pending = [r.type for r in await rows_of(database, user) if r.digest_pending]
    assert pending == [NotificationType.DISCUSSION_REPLY]


async def test_the_email_carries_the_notification_and_an_absolute_link(database: Database) -> None:
    user = await person(database, first_name="Ada")
    await send(database, user, action_url="/courses/x", title="Graded!", body="90%")
    [log] = await emails_of(database, user)
    assert log.context["first_name"] == "Ada"
    assert log.context["title"] == "Graded!"
    assert log.context["body"] == "90%"
    assert log.context["action_url"].endswith("/courses/x")
    assert log.context["action_url"].startswith("http")


async def test_a_callers_own_email_replaces_the_template_and_is_the_only_one(
    database: Database,
) -> None:
    user = await person(database)
    await send(
        database,
        user,
        type=NotificationType.CERTIFICATE_ISSUED,
        email=EmailContent(
            "certificate_issued",
            {"course_title": "Python", "certificate_number": "EWS-1", "link": "https://x/v"},
        ),
    )
    [log] = await emails_of(database, user)
    assert log.template == "certificate_issued"
    assert log.context["certificate_number"] == "EWS-1"


async def test_send_email_false_leaves_the_email_to_the_caller(database: Database) -> None:
    user = await person(database)
    await send(database, user, type=NotificationType.REFUND_PROCESSED, send_email=False)
    assert await emails_of(database, user) == []
    assert len(await rows_of(database, user)) == 1


async def test_payment_succeeded_sends_no_email_of_its_own_the_receipt_is_the_email(
    database: Database,
) -> None:
    user = await person(database)
    await send(database, user, type=NotificationType.PAYMENT_SUCCEEDED)
    assert await emails_of(database, user) == []


async def test_transactional_emails_ignore_an_opt_out(database: Database) -> None:
    user = await person(database)
    off = Channels(in_app=True, email=False, push=False, email_digest=DigestFrequency.WEEKLY)
    await choose(database, user, NotificationType.PAYMENT_FAILED, off)
    await send(database, user, type=NotificationType.PAYMENT_FAILED)
    assert [e.template for e in await emails_of(database, user)] == ["payment_failed"]


# --- bursts -----------------------------------------------------------------------------------


def message(conversation: uuid.UUID, sender: str = "Bob") -> dict[str, Any]:
    return {
        "type": NotificationType.NEW_MESSAGE,
        "title": f"New message from {sender}",
        "body": "hello",
        "action_url": f"/messages/{conversation}",
        "metadata": {"conversation_id": str(conversation), "message_id": str(uuid.uuid4())},
    }


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(count=st.integers(min_value=2, max_value=8), gap=st.integers(min_value=0, max_value=9))
async def test_property_51_a_burst_of_similar_notifications_is_one_notification(
    database: Database, count: int, gap: int
) -> None:
    """Property 51 (notification batching): similar notifications (same recipient and group)
    arriving within the window of the last one fold into ONE notification that counts them; each
    still fires the live event with that notification's id; one e-mail at most."""
    user = await person(database)
    await choose(
        database,
        user,
        NotificationType.NEW_MESSAGE,
        Channels(in_app=True, email=True, push=False, email_digest=DigestFrequency.IMMEDIATE),
    )
    conversation = uuid.uuid4()
    ids = []
    for i in range(count):
        with frozen(NOW + timedelta(minutes=i * gap)):
            ids.append(await send(database, user, **message(conversation)))
    [row] = await rows_of(database, user)
    assert set(ids) == {row.id}
    assert row.metadata_["count"] == count
    assert row.title == f"{count} new messages from Bob"
    assert row.group_key == f"new_message:{conversation}"
    assert (await events_about(database, row.id))["live"] == count
    assert len(await emails_of(database, user)) == 1


async def test_a_burst_ends_after_the_window_when_read_or_in_another_group(
    database: Database,
) -> None:
    user = await person(database)
    first, other = uuid.uuid4(), uuid.uuid4()
    with frozen(NOW):
        a = await send(database, user, **message(first))
        b = await send(database, user, **message(other))  # another conversation
    with frozen(NOW + timedelta(minutes=11)):
        c = await send(database, user, **message(first))  # the window has passed
    async with database.transaction() as session:
        row = await session.get(Notification, c)
        assert row is not None
        row.is_read = True
    with frozen(NOW + timedelta(minutes=12)):
        d = await send(database, user, **message(first))  # the last one was read
    assert len({a, b, c, d}) == 4


async def test_types_without_a_group_never_fold(database: Database) -> None:
    user = await person(database)
    with frozen(NOW):
        await send(database, user)
        await send(database, user)
    assert len(await rows_of(database, user)) == 2
