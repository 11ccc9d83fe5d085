"""instructorRevenue and salesReport: sums per course / day and currency, refunds subtracted,
a fixed number of statements whatever the number of courses and orders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app.accounts.models import User, UserRole
from app.catalog.models import Course, PricingTier
from app.clock import utcnow
from app.commerce import auto_refunds, refunds, revenue
from app.commerce.models import Order, PaymentProvider, RefundStatus
from app.db import Database, count_statements
from app.errors import Forbidden, Invalid
from app.security.permissions import Actor
from tests.support import catalog as factories
from tests.support.graphql import GraphQLClient
from tests.support.refunds import RecordingGateway, paid_order


def actor(user: User) -> Actor:
    return Actor(id=user.id, role=user.role)


def period() -> revenue.DateRange:
    now = utcnow()
    return revenue.DateRange(now - timedelta(days=1), now + timedelta(days=1))


async def courses_of(database: Database, owner: User, count: int) -> list[Course]:
    tiers = (factories.Tier(PricingTier.BASIC, 10_000),)
    return await factories.courses(database, owner.id, count, modules=1, lessons=1, tiers=tiers)


async def refund(database: Database, order_id: object, amount: int) -> None:
    boss = await factories.person(database, UserRole.ADMIN)
    async with database.transaction() as session:
        await refunds.refund_order(
            session,
            RecordingGateway(),
            actor=actor(boss),
            order_id=order_id,  # type: ignore[arg-type]
            amount=Decimal(amount) / 100,
            course_id=None,
            reason=None,
        )


async def instructor_rows(database: Database, owner: User) -> list[revenue.CourseRevenue]:
    async with database.session() as session:
        return await revenue.instructor_revenue(session, actor=actor(owner), period=period())


async def test_an_instructor_sees_gross_refunds_and_net_of_their_own_courses(
    database: Database,
) -> None:
    owner, other = await factories.instructor(database), await factories.instructor(database)
    [mine] = await courses_of(database, owner, 1)
    [theirs] = await courses_of(database, other, 1)
    buyers = [await factories.person(database) for _ in range(2)]
    first = await paid_order(database, buyers[0], [mine, theirs])
    await paid_order(database, buyers[1], [mine])
    await refund(database, first.id, 4_000)

    rows = await instructor_rows(database, owner)

    assert [(r.course_id, r.gross_minor, r.refunds_minor, r.net_minor) for r in rows] == [
        (mine.id, 20_000, 4_000, 16_000)
    ]


async def test_instructor_revenue_takes_the_same_statements_for_one_or_many_courses(
    database: Database,
) -> None:
    counts = []
    for size in (1, 4):
        owner = await factories.instructor(database)
        courses = await courses_of(database, owner, size)
        buyer = await factories.person(database)
        order = await paid_order(database, buyer, courses)
        await refund(database, order.id, 1_000)
        with count_statements(database.engine) as counter:
            rows = await instructor_rows(database, owner)
        assert len(rows) == size
        counts.append(counter.count)
    assert counts[0] == counts[1]


async def test_the_sales_report_sums_orders_and_refunds_per_day(database: Database) -> None:
    owner = await factories.instructor(database)
    courses = await courses_of(database, owner, 3)
    boss = await factories.person(database, UserRole.ADMIN)
    orders = [
        await paid_order(database, await factories.person(database), courses[: i + 1])
        for i in range(3)
    ]
    await refund(database, orders[2].id, 5_000)

    with count_statements(database.engine) as counter:
        async with database.session() as session:
            [day] = await revenue.sales_report(session, actor=actor(boss), period=period())

    assert (day.orders, day.gross_minor, day.refunds_minor, day.net_minor) == (
        3,
        60_000,
        5_000,
        55_000,
    )
    assert day.day == utcnow().date()
    assert day.currency == "USD"
    assert counter.count <= 3


async def test_only_admins_read_the_sales_report(database: Database) -> None:
    owner = await factories.instructor(database)
    async with database.session() as session:
        with pytest.raises(Forbidden):
            await revenue.sales_report(session, actor=actor(owner), period=period())


async def test_a_backwards_range_is_refused(database: Database) -> None:
    owner = await factories.instructor(database)
    now = utcnow()
    async with database.session() as session:
        with pytest.raises(Invalid):
            await revenue.instructor_revenue(
                session, actor=actor(owner), period=revenue.DateRange(now, now - timedelta(1))
            )


async def test_the_reports_over_graphql(client: GraphQLClient, database: Database) -> None:
    owner = await factories.instructor(database)
    [course] = await courses_of(database, owner, 1)
    await paid_order(database, await factories.person(database), [course])
    boss = await factories.person(database, UserRole.ADMIN)
    now = utcnow()
    span = {"from": (now - timedelta(days=1)).isoformat(), "to": (now + timedelta(1)).isoformat()}

    mine = await client.execute(
        "query($r: RevenueRange!) { instructorRevenue(range: $r) "
        "{ courses { title course { id } gross { amountMinor } net { amount currency } } "
        "totals { net { amount currency } } } }",
        {"r": span},
        token=factories.token_for(client, owner),
    )
    report = await client.execute(
        "query($r: RevenueRange!) { salesReport(range: $r) "
        "{ orders gross { amountMinor } net { amount currency } } }",
        {"r": span},
        token=factories.token_for(client, boss),
    )
    denied = await client.execute(
        "query($r: RevenueRange!) { salesReport(range: $r) { orders } }",
        {"r": span},
        token=factories.token_for(client, owner),
    )

    usd_100 = {"amount": "100.00", "currency": "USD"}
    assert mine.data == {
        "instructorRevenue": {
            "courses": [
                {
                    "title": course.title,
                    "course": {"id": factories.gid("Course", course.id)},
                    "gross": {"amountMinor": 10_000},
                    "net": usd_100,
                }
            ],
            "totals": [{"net": usd_100}],
        }
    }
    assert report.data == {
        "salesReport": [{"orders": 1, "gross": {"amountMinor": 10_000}, "net": usd_100}]
    }
    assert denied.codes == ["FORBIDDEN"]


async def test_a_backwards_range_is_a_bad_user_input_error(
    client: GraphQLClient, database: Database
) -> None:
    owner = await factories.instructor(database)
    now = utcnow()
    span = {"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat()}

    outcome = await client.execute(
        "query($r: RevenueRange!) { instructorRevenue(range: $r) { totals { net { amount } } } }",
        {"r": span},
        token=factories.token_for(client, owner),
    )

    assert outcome.codes == ["BAD_USER_INPUT"]
    assert outcome.errors[0].extensions["fields"] == [
        {"field": "range", "message": "The end must be after the start", "code": "INVALID_RANGE"}
    ]


async def test_a_second_payment_given_back_is_no_refund_of_a_sale(database: Database) -> None:
    owner = await factories.instructor(database)
    [course] = await courses_of(database, owner, 1)
    boss = await factories.person(database, UserRole.ADMIN)
    order = await paid_order(database, await factories.person(database), [course])
    async with database.transaction() as session:
        locked = await session.get(Order, order.id, with_for_update=True)
        assert locked is not None
        refund_row = await auto_refunds.hold_payment_refund(
            session,
            locked,
            intent_id="pi_second",
            amount_minor=10_000,
            currency="USD",
            provider=PaymentProvider.LOCAL,
        )
        assert refund_row is not None
        refund_row.status = RefundStatus.SUCCEEDED
        refund_row.processed_at = utcnow()

    async with database.session() as session:
        [day] = await revenue.sales_report(session, actor=actor(boss), period=period())

    assert (day.gross_minor, day.refunds_minor, day.net_minor) == (10_000, 0, 10_000)
