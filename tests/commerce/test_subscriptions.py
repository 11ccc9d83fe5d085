"""The all-access subscription: subscribe, access to every published paid course while active,
cancellation, provider events, and access closed when it ends."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.commerce import repo, subscriptions
from app.commerce.events import handle_payment_event
from app.commerce.models import PaymentProvider, Subscription, SubscriptionStatus
from app.db import Database
from app.errors import Conflict, Invalid, NotFound
from app.integrations.payments_local import LocalGateway
from app.learning import service as learning
from app.learning.models import Enrollment, EnrollmentSource, EnrollmentStatus
from app.settings import Settings, get_settings
from tests.support import catalog as factories
from tests.support.refunds import enrollment_of, paid_course, store_event


@pytest.fixture
def gateway(database: Database, redis_client: Any) -> LocalGateway:
    return LocalGateway(get_settings(), redis_client)


async def with_plan(database: Database, settings: Settings | None = None) -> None:
    async with database.transaction() as session:
        await subscriptions.seed_plan(session, settings)


async def subscribe(database: Database, gateway: LocalGateway, user: User) -> Subscription:
    async with database.transaction() as session:
        done = await subscriptions.subscribe(
            session,
            gateway,
            user_id=user.id,
            plan_code=subscriptions.PLAN_CODE,
            provider=PaymentProvider.LOCAL,
        )
    return done.subscription


async def enroll(database: Database, user: User, course_id: uuid.UUID) -> Enrollment:
    async with database.transaction() as session:
        return await learning.enroll_in_free_course(
            session, student_id=user.id, course_id=course_id
        )


async def reload(database: Database, row: Subscription) -> Subscription:
    async with database.session() as session:
        found = await session.get(Subscription, row.id)
        assert found is not None
        return found


async def deliver(database: Database, event_type: str, obj: dict[str, Any]) -> None:
    await handle_payment_event(
        database, payment_event_id=await store_event(database, event_type, obj)
    )


async def test_the_plan_is_seeded_once(database: Database) -> None:
    async with database.transaction() as session:
        assert await subscriptions.seed_plan(session) == 1
    async with database.transaction() as session:
        assert await subscriptions.seed_plan(session) == 0


async def test_an_active_subscriber_enrolls_in_a_paid_course(
    database: Database, gateway: LocalGateway
) -> None:
    await with_plan(database)
    course = await paid_course(database)
    student = await factories.person(database)

    row = await subscribe(database, gateway, student)
    enrollment = await enroll(database, student, course.id)

    assert row.status == SubscriptionStatus.ACTIVE
    assert row.current_period_end is not None
    assert enrollment.source == EnrollmentSource.SUBSCRIPTION
    assert enrollment.subscription_id == row.id


async def test_without_a_subscription_a_paid_course_must_be_bought(database: Database) -> None:
    course = await paid_course(database)
    student = await factories.person(database)

    with pytest.raises(Invalid) as caught:
        await enroll(database, student, course.id)

    assert caught.value.errors[0].code == "COURSE_NOT_FREE"


async def test_one_live_subscription_per_user_even_when_racing(
    database: Database, gateway: LocalGateway
) -> None:
    await with_plan(database)
    student = await factories.person(database)

    results = await asyncio.gather(
        *(subscribe(database, gateway, student) for _ in range(3)), return_exceptions=True
    )

    assert sum(1 for r in results if isinstance(r, Subscription)) == 1
    assert all(isinstance(r, (Subscription, Conflict)) for r in results)
    async with database.session() as session:
        assert len(list(await session.scalars(select(Subscription.id)))) == 1


async def test_an_unknown_plan_is_not_found(database: Database, gateway: LocalGateway) -> None:
    student = await factories.person(database)
    async with database.transaction() as session:
        with pytest.raises(NotFound):
            await subscriptions.subscribe(
                session,
                gateway,
                user_id=student.id,
                plan_code="nope",
                provider=PaymentProvider.LOCAL,
            )


async def test_cancelling_at_period_end_keeps_access_until_the_provider_ends_it(
    database: Database, gateway: LocalGateway
) -> None:
    await with_plan(database)
    course = await paid_course(database)
    student = await factories.person(database)
    row = await subscribe(database, gateway, student)
    await enroll(database, student, course.id)

    async with database.transaction() as session:
        await subscriptions.cancel_subscription(
            session, gateway, user_id=student.id, at_period_end=True
        )

    kept = await reload(database, row)
    assert (kept.status, kept.cancel_at_period_end) == (SubscriptionStatus.ACTIVE, True)
    assert (await enrollment_of(database, student, course)).status == EnrollmentStatus.ACTIVE

    await deliver(
        database,
        "customer.subscription.deleted",
        {"id": row.provider_subscription_id, "object": "subscription", "status": "canceled"},
    )

    ended = await reload(database, row)
    assert ended.status == SubscriptionStatus.CANCELED
    assert ended.ended_at is not None
    closed = await enrollment_of(database, student, course)
    assert (closed.status, closed.withdrawal_reason) == (
        EnrollmentStatus.DROPPED,
        subscriptions.ENDED_REASON,
    )


async def test_cancelling_now_ends_access_now(database: Database, gateway: LocalGateway) -> None:
    await with_plan(database)
    course = await paid_course(database)
    student = await factories.person(database)
    await subscribe(database, gateway, student)
    await enroll(database, student, course.id)

    async with database.transaction() as session:
        row = await subscriptions.cancel_subscription(
            session, gateway, user_id=student.id, at_period_end=False
        )

    assert row.status == SubscriptionStatus.CANCELED
    assert (await enrollment_of(database, student, course)).status == EnrollmentStatus.DROPPED
    with pytest.raises(Invalid):
        await enroll(database, student, (await paid_course(database)).id)


async def test_a_late_update_never_revives_an_ended_subscription(
    database: Database, gateway: LocalGateway
) -> None:
    await with_plan(database)
    student = await factories.person(database)
    row = await subscribe(database, gateway, student)
    obj = {"id": row.provider_subscription_id, "object": "subscription"}

    await deliver(database, "customer.subscription.deleted", obj | {"status": "canceled"})
    await deliver(database, "customer.subscription.updated", obj | {"status": "active"})

    assert (await reload(database, row)).status == SubscriptionStatus.CANCELED


async def test_a_failed_renewal_makes_it_past_due_and_stops_new_enrollments(
    database: Database, gateway: LocalGateway
) -> None:
    await with_plan(database)
    first, second = await paid_course(database), await paid_course(database)
    student = await factories.person(database)
    row = await subscribe(database, gateway, student)
    await enroll(database, student, first.id)

    await deliver(
        database,
        "invoice.payment_failed",
        {"object": "invoice", "subscription": row.provider_subscription_id},
    )

    assert (await reload(database, row)).status == SubscriptionStatus.PAST_DUE
    assert (await enrollment_of(database, student, first)).status == EnrollmentStatus.ACTIVE
    with pytest.raises(Invalid):
        await enroll(database, student, second.id)
    async with database.session() as session:
        [found] = await repo.subscriptions_by_user_ids(session, [student.id])
    assert found is not None
    assert found.id == row.id
