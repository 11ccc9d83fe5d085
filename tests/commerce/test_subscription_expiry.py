"""The periodic sweep of subscriptions whose period ended without a renewal or deletion event:
`expire_lapsed_subscriptions` ends them as customer.subscription.deleted would."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.commerce import subscriptions
from app.commerce.events import handle_payment_event
from app.commerce.models import PaymentProvider, Subscription, SubscriptionStatus
from app.db import Database
from app.integrations.payments_local import LocalGateway
from app.learning import service as learning
from app.learning.models import Enrollment, EnrollmentStatus
from app.settings import get_settings
from tests.support import catalog as factories
from tests.support.orders import rows
from tests.support.refunds import paid_course, store_event

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
GRACE = timedelta(hours=get_settings().subscription_lapse_grace_hours)


@pytest.fixture
def gateway(redis_client: Any) -> LocalGateway:
    return LocalGateway(get_settings(), redis_client)


async def subscriber(
    database: Database, gateway: LocalGateway, period_end: datetime, *, course_id: Any = None
) -> Subscription:
    """A new student's subscription (enrolled in `course_id` through it) ending at `period_end`."""
    student = await factories.person(database)
    async with database.transaction() as session:
        await subscriptions.seed_plan(session)
    async with database.transaction() as session:
        done = await subscriptions.subscribe(
            session,
            gateway,
            user_id=student.id,
            plan_code=subscriptions.PLAN_CODE,
            provider=PaymentProvider.LOCAL,
        )
        await session.execute(
            update(Subscription)
            .where(Subscription.id == done.subscription.id)
            .values(current_period_end=period_end)
        )
        if course_id is not None:
            await learning.enroll_in_free_course(
                session, student_id=student.id, course_id=course_id
            )
    return done.subscription


async def sweep(database: Database, now: datetime = NOW, **kwargs: Any) -> int:
    async with database.transaction() as session:
        return await subscriptions.expire_lapsed_subscriptions(session, now=now, **kwargs)


async def reload(database: Database, row: Subscription) -> Subscription:
    async with database.session() as session:
        found = await session.get(Subscription, row.id)
    assert found is not None
    return found


async def test_a_lapsed_subscription_ends_as_a_deletion_event_would_end_it(
    database: Database, gateway: LocalGateway
) -> None:
    course = await paid_course(database)
    ended_at = NOW - GRACE - timedelta(minutes=1)
    lapsed = await subscriber(database, gateway, ended_at, course_id=course.id)
    deleted = await subscriber(database, gateway, NOW + timedelta(days=9), course_id=course.id)
    await handle_payment_event(
        database,
        payment_event_id=await store_event(
            database,
            "customer.subscription.deleted",
            {"id": deleted.provider_subscription_id, "object": "subscription"},
        ),
    )

    assert await sweep(database) == 1

    swept, by_event = await reload(database, lapsed), await reload(database, deleted)
    assert swept.status == by_event.status == SubscriptionStatus.CANCELED
    assert (swept.ended_at, swept.canceled_at) == (ended_at, ended_at)
    closed = await rows(database, Enrollment, Enrollment.course_id == course.id)
    assert [(e.status, e.withdrawal_reason) for e in closed] == 2 * [
        (EnrollmentStatus.DROPPED, subscriptions.ENDED_REASON)
    ]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hours=st.integers(min_value=-24 * 30, max_value=24 * 30))
async def test_only_periods_that_ended_more_than_the_grace_ago_are_expired(
    database: Database, gateway: LocalGateway, hours: int
) -> None:
    row = await subscriber(database, gateway, NOW + timedelta(hours=hours))

    expired = await sweep(database)

    lapsed = NOW + timedelta(hours=hours) < NOW - GRACE
    assert expired == int(lapsed)
    status = (await reload(database, row)).status
    assert status == (SubscriptionStatus.CANCELED if lapsed else SubscriptionStatus.ACTIVE)
    async with database.transaction() as session:  # leave no live row for the next example
        await session.execute(update(Subscription).values(status=SubscriptionStatus.CANCELED))


async def test_a_second_sweep_finds_nothing_and_a_late_event_revives_nothing(
    database: Database, gateway: LocalGateway
) -> None:
    row = await subscriber(database, gateway, NOW - GRACE - timedelta(days=1))
    assert await sweep(database) == 1

    assert await sweep(database) == 0
    await handle_payment_event(
        database,
        payment_event_id=await store_event(
            database,
            "customer.subscription.updated",
            {"id": row.provider_subscription_id, "object": "subscription", "status": "active"},
        ),
    )
    assert (await reload(database, row)).status == SubscriptionStatus.CANCELED


async def test_the_grace_can_be_given_and_past_due_ones_lapse_too(
    database: Database, gateway: LocalGateway
) -> None:
    row = await subscriber(database, gateway, NOW - timedelta(minutes=5))
    async with database.transaction() as session:
        await session.execute(
            update(Subscription)
            .where(Subscription.id == row.id)
            .values(status=SubscriptionStatus.PAST_DUE)
        )

    assert await sweep(database, grace=timedelta(minutes=10)) == 0
    assert await sweep(database, grace=timedelta(0)) == 1
    assert (await reload(database, row)).status == SubscriptionStatus.CANCELED


async def test_a_subscription_held_by_an_event_is_left_to_the_next_sweep(
    database: Database, gateway: LocalGateway
) -> None:
    held = await subscriber(database, gateway, NOW - GRACE - timedelta(days=2))
    free = await subscriber(database, gateway, NOW - GRACE - timedelta(days=1))
    locked, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with database.transaction() as session:
            await session.execute(
                select(Subscription.id).where(Subscription.id == held.id).with_for_update()
            )
            locked.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await locked.wait()
    try:
        assert await sweep(database) == 1
    finally:
        release.set()
        await holder

    assert (await reload(database, held)).status == SubscriptionStatus.ACTIVE
    assert (await reload(database, free)).status == SubscriptionStatus.CANCELED
    assert await sweep(database) == 1


async def test_the_sweep_takes_at_most_its_limit_oldest_first(
    database: Database, gateway: LocalGateway
) -> None:
    rows = [await subscriber(database, gateway, NOW - GRACE - timedelta(days=d)) for d in (1, 3, 2)]

    assert await sweep(database, limit=2) == 2

    statuses = [(await reload(database, row)).status for row in rows]
    assert statuses == [
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.CANCELED,
        SubscriptionStatus.CANCELED,
    ]
