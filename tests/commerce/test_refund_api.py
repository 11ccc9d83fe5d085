"""requestRefund and refundOrder through GraphQL, against the local payments gateway."""

from __future__ import annotations

from app.accounts.models import UserRole
from app.commerce.models import OrderStatus
from app.db import Database
from app.integrations.payments import make_gateway
from app.integrations.payments_local import LocalGateway
from app.learning.models import EnrollmentStatus
from tests.support import catalog as factories
from tests.support.graphql import GraphQLClient
from tests.support.refunds import (
    enrollment_of,
    locally_paid_order,
    paid_course,
    paid_order,
    reload_order,
)

FIELDS = (
    "refunds { amount { amount currency } status course { id } order { id } } "
    "order { status refunded { amountMinor } }"
)


def local(client: GraphQLClient) -> LocalGateway:
    gateway = make_gateway(client.settings, redis=client.redis)
    assert isinstance(gateway, LocalGateway)
    return gateway


async def test_a_student_gets_a_policy_refund_and_loses_access(
    client: GraphQLClient, database: Database
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await locally_paid_order(database, local(client), student, [course])

    outcome = await client.mutate(
        "requestRefund",
        {"orderId": factories.gid("Order", order.id), "reason": "Changed my mind"},
        FIELDS,
        token=factories.token_for(client, student),
    )

    payload = outcome.payload("requestRefund")
    assert payload["errors"] == []
    assert payload["refunds"] == [
        {
            "amount": {"amount": "100.00", "currency": "USD"},
            "status": "SUCCEEDED",
            "course": {"id": factories.gid("Course", course.id)},
            "order": {"id": factories.gid("Order", order.id)},
        }
    ]
    assert payload["order"] == {"status": "REFUNDED", "refunded": {"amountMinor": 10_000}}
    assert (await enrollment_of(database, student, course)).status == EnrollmentStatus.REFUNDED


async def test_a_second_request_has_nothing_left_to_refund(
    client: GraphQLClient, database: Database
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await locally_paid_order(database, local(client), student, [course])
    token = factories.token_for(client, student)
    args = {"orderId": factories.gid("Order", order.id)}
    await client.mutate("requestRefund", args, FIELDS, token=token)

    again = await client.mutate("requestRefund", args, FIELDS, token=token)

    assert [e["code"] for e in again.payload("requestRefund")["errors"]] == ["ALREADY_REFUNDED"]


async def test_an_admin_refunds_part_of_an_order(client: GraphQLClient, database: Database) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    boss = await factories.person(database, UserRole.ADMIN)
    order = await locally_paid_order(database, local(client), student, [course])

    outcome = await client.mutate(
        "refundOrder",
        {"orderId": factories.gid("Order", order.id), "amount": "25.00"},
        FIELDS,
        token=factories.token_for(client, boss),
    )

    payload = outcome.payload("refundOrder")
    assert payload["order"] == {
        "status": "PARTIALLY_REFUNDED",
        "refunded": {"amountMinor": 2_500},
    }
    after = await reload_order(database, order.id)
    assert (after.status, after.refunded_minor) == (OrderStatus.PARTIALLY_REFUNDED, 2_500)


async def test_students_cannot_use_the_admin_refund(
    client: GraphQLClient, database: Database
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await locally_paid_order(database, local(client), student, [course])

    outcome = await client.mutate(
        "refundOrder",
        {"orderId": factories.gid("Order", order.id)},
        FIELDS,
        token=factories.token_for(client, student),
    )

    assert outcome.codes == ["FORBIDDEN"]
    assert (await reload_order(database, order.id)).status == OrderStatus.PAID


async def test_an_amount_above_what_is_left_is_refused_and_changes_nothing(
    client: GraphQLClient, database: Database
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    boss = await factories.person(database, UserRole.ADMIN)
    order = await locally_paid_order(database, local(client), student, [course])

    outcome = await client.mutate(
        "refundOrder",
        {"orderId": factories.gid("Order", order.id), "amount": "100.01"},
        FIELDS,
        token=factories.token_for(client, boss),
    )

    assert [(e["field"], e["code"]) for e in outcome.payload("refundOrder")["errors"]] == [
        ("amount", "AMOUNT_TOO_HIGH")
    ]
    assert (await reload_order(database, order.id)).refunded_minor == 0


async def test_a_refusal_by_the_provider_is_an_error_and_changes_nothing(
    client: GraphQLClient, database: Database
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    order = await paid_order(database, student, [course])  # unknown to the local gateway

    outcome = await client.mutate(
        "requestRefund",
        {"orderId": factories.gid("Order", order.id)},
        FIELDS,
        token=factories.token_for(client, student),
    )

    assert outcome.codes == ["PAYMENT_PROVIDER_ERROR"]
    assert (await reload_order(database, order.id)).status == OrderStatus.PAID
    assert (await enrollment_of(database, student, course)).status == EnrollmentStatus.ACTIVE


async def test_an_amount_with_too_many_decimals_is_refused_and_changes_nothing(
    client: GraphQLClient, database: Database
) -> None:
    course = await paid_course(database)
    student = await factories.person(database)
    boss = await factories.person(database, UserRole.ADMIN)
    order = await locally_paid_order(database, local(client), student, [course])

    outcome = await client.mutate(
        "refundOrder",
        {"orderId": factories.gid("Order", order.id), "amount": "10.005"},
        FIELDS,
        token=factories.token_for(client, boss),
    )

    assert [(e["field"], e["code"]) for e in outcome.payload("refundOrder")["errors"]] == [
        ("amount", "TOO_PRECISE")
    ]
    assert (await reload_order(database, order.id)).refunded_minor == 0
