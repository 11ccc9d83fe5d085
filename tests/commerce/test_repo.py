"""The batch reads behind the commerce loaders: one value per key, in key order."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta

from app.clock import utcnow
from app.commerce import repo
from app.commerce.models import (
    BillingInterval,
    PaymentProvider,
    Subscription,
    SubscriptionPlan,
    SubscriptionStatus,
)
from app.db import Database
from tests.support.catalog import person
from tests.support.coupons import coupon, paid_course
from tests.support.orders import paid_orders


async def test_orders_and_their_items_come_back_in_key_order(database: Database) -> None:
    buyer = await person(database)
    courses = [await paid_course(database) for _ in range(3)]
    first, second = await paid_orders(database, buyer, courses, 2)
    missing = uuid.uuid4()

    async with database.session() as session:
        orders = await repo.orders_by_ids(session, [second.id, missing, first.id])
        items = await repo.items_by_order_ids(session, [second.id, missing, first.id])

    assert [o.id if o else None for o in orders] == [second.id, None, first.id]
    assert [[i.course_id for i in group] for group in items] == [
        [courses[0].id, courses[2].id],
        [],
        [courses[0].id, courses[1].id],
    ]


async def test_coupons_by_code_ignore_case_and_scopes_come_per_coupon(database: Database) -> None:
    course = await paid_course(database)
    scoped = await coupon(database, "SCOPED", course_ids=(course.id,))
    everywhere = await coupon(database, "EVERYWHERE")

    async with database.session() as session:
        found = await repo.coupons_by_codes(session, [" everywhere ", "nope", "Scoped"])
        scopes = await repo.course_ids_by_coupon_ids(session, [scoped.id, everywhere.id])

    assert [c.id if c else None for c in found] == [everywhere.id, None, scoped.id]
    assert scopes == [[course.id], []]


async def _subscription(
    database: Database, user_id: uuid.UUID, status: SubscriptionStatus, age_days: int
) -> Subscription:
    async with database.transaction() as session:
        plan = SubscriptionPlan(
            code=f"plan-{uuid.uuid4().hex[:8]}",
            name="Plan",
            price_minor=1000,
            currency="USD",
            interval=BillingInterval.MONTH,
        )
        session.add(plan)
        await session.flush()
        row = Subscription(
            user_id=user_id,
            plan_id=plan.id,
            provider=PaymentProvider.LOCAL,
            provider_subscription_id=f"sub_{uuid.uuid4().hex[:12]}",
            provider_customer_id="cus_test",
            status=status,
            created_at=utcnow() - timedelta(days=age_days),
        )
        session.add(row)
    return row


async def test_a_users_subscription_is_the_live_one_else_the_latest(database: Database) -> None:
    live_user, ended_user, nobody = [await person(database) for _ in range(3)]
    live = await _subscription(database, live_user.id, SubscriptionStatus.ACTIVE, 30)
    await _subscription(database, live_user.id, SubscriptionStatus.CANCELED, 1)
    await _subscription(database, ended_user.id, SubscriptionStatus.CANCELED, 30)
    latest = await _subscription(database, ended_user.id, SubscriptionStatus.UNPAID, 1)

    async with database.session() as session:
        found = await repo.subscriptions_by_user_ids(
            session, [nobody.id, ended_user.id, live_user.id]
        )

    assert [s.id if s else None for s in found] == [None, latest.id, live.id]


def test_the_commerce_models_import_on_their_own() -> None:
    """No import cycle through the domains when a process loads commerce's models first."""
    subprocess.run([sys.executable, "-c", "import app.commerce.models"], check=True)
