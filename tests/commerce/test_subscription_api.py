"""subscribe, mySubscription, subscriptionPlans, cancelSubscription and enrolling with a
subscription, through GraphQL against the local payments gateway."""

from __future__ import annotations

from app.commerce import subscriptions
from app.db import Database
from app.settings import get_settings
from tests.support import catalog as factories
from tests.support.graphql import GraphQLClient
from tests.support.refunds import paid_course

SUB = (
    "subscription { status cancelAtPeriodEnd currentPeriodEnd "
    "plan { code price { amountMinor currency } } }"
)
ENROLL = "enrollment { status course { title } }"


async def seeded(database: Database) -> None:
    async with database.transaction() as session:
        await subscriptions.seed_plan(session)


async def test_subscribe_then_enroll_in_a_paid_course_then_cancel(
    client: GraphQLClient, database: Database
) -> None:
    await seeded(database)
    course = await paid_course(database)
    student = await factories.person(database)
    token = factories.token_for(client, student)

    subscribed = await client.mutate("subscribe", {"planCode": "all-access"}, SUB, token=token)
    enrolled = await client.mutate(
        "enrollInCourse", {"courseId": factories.gid("Course", course.id)}, ENROLL, token=token
    )
    cancelled = await client.mutate("cancelSubscription", {}, SUB, token=token)
    mine = await client.execute("{ mySubscription { status cancelAtPeriodEnd } }", token=token)

    sub = subscribed.payload("subscribe")["subscription"]
    assert (sub["status"], sub["plan"]["code"]) == ("ACTIVE", "all-access")
    price = get_settings().subscription_plan_price_minor
    assert sub["plan"]["price"] == {"amountMinor": price, "currency": "USD"}
    assert enrolled.payload("enrollInCourse")["enrollment"]["status"] == "ACTIVE"
    assert cancelled.payload("cancelSubscription")["subscription"]["cancelAtPeriodEnd"] is True
    assert mine.data == {"mySubscription": {"status": "ACTIVE", "cancelAtPeriodEnd": True}}


async def test_a_second_subscription_is_a_conflict(
    client: GraphQLClient, database: Database
) -> None:
    await seeded(database)
    token = factories.token_for(client, await factories.person(database))
    await client.mutate("subscribe", {"planCode": "all-access"}, SUB, token=token)

    again = await client.mutate("subscribe", {"planCode": "all-access"}, SUB, token=token)

    assert [e["code"] for e in again.payload("subscribe")["errors"]] == ["ALREADY_SUBSCRIBED"]


async def test_the_plans_are_listed_and_anonymous_callers_cannot_subscribe(
    client: GraphQLClient, database: Database
) -> None:
    await seeded(database)

    plans = await client.execute("{ subscriptionPlans { code interval price { currency } } }")
    anonymous = await client.mutate("subscribe", {"planCode": "all-access"}, SUB)

    assert plans.data == {
        "subscriptionPlans": [
            {"code": "all-access", "interval": "MONTH", "price": {"currency": "USD"}}
        ]
    }
    assert anonymous.codes == ["UNAUTHENTICATED"]


async def test_no_subscription_is_null_without_an_error(
    client: GraphQLClient, database: Database
) -> None:
    token = factories.token_for(client, await factories.person(database))

    mine = await client.execute("{ mySubscription { status } }", token=token)

    assert (mine.data, mine.errors) == ({"mySubscription": None}, [])
