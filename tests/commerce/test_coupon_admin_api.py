"""Managing coupons over GraphQL: createCoupon, updateCoupon, deactivateCoupon, coupon(code)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.accounts.models import User, UserRole
from app.commerce.models import Coupon, DiscountType
from app.db import Database
from tests.support import catalog as factories
from tests.support.coupons import admin, coupon, gid, paid_course, person, token_for
from tests.support.graphql import GraphQLClient

FIELDS = (
    "coupon { id code discountType percentOff amountOff { amount currency } usageLimit "
    "perUserLimit usedCount minOrder { amount currency } isActive courses { title } }"
)
ONE = "query ($code: String!) { coupon(code: $code) { code isActive } }"


async def _call(
    client: GraphQLClient, user: User, name: str, input_: dict[str, Any]
) -> dict[str, Any]:
    outcome = await client.mutate(name, input_, FIELDS, token=token_for(client, user))
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return dict(outcome.data[name])


async def _count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Coupon)) or 0)


async def test_an_admin_creates_a_percentage_coupon_for_every_course(
    client: GraphQLClient,
) -> None:
    payload = await _call(
        client,
        await admin(client.database),
        "createCoupon",
        {"code": "summer-20", "discountType": "PERCENTAGE", "percentOff": 20, "usageLimit": 100},
    )
    assert payload["errors"] == []
    made = payload["coupon"]
    assert (made["code"], made["percentOff"], made["usageLimit"], made["perUserLimit"]) == (
        "SUMMER-20",
        20,
        100,
        1,
    )
    assert made["courses"] == []


async def test_a_fixed_coupon_carries_its_currency(client: GraphQLClient) -> None:
    payload = await _call(
        client,
        await admin(client.database),
        "createCoupon",
        {
            "code": "FIVE",
            "discountType": "FIXED",
            "amountOff": {"amount": "5", "currency": "USD"},
            "perUserLimit": None,
        },
    )
    made = payload["coupon"]
    assert made["amountOff"] == {"amount": "5.00", "currency": "USD"}
    assert (made["perUserLimit"], made["minOrder"]) == (None, None)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, [("amountOff", "REQUIRED")]),
        ({"amountOff": {"amount": "5.001", "currency": "USD"}}, [("amountOff", "TOO_PRECISE")]),
        ({"amountOff": {"amount": "0", "currency": "USD"}}, [("amountOff", "OUT_OF_RANGE")]),
        (
            {
                "amountOff": {"amount": "5", "currency": "USD"},
                "minOrder": {"amount": "20", "currency": "EUR"},
            },
            [("minOrder", "CURRENCY_MISMATCH")],
        ),
        (
            {"amountOff": {"amount": "5", "currency": "USD"}, "percentOff": 10},
            [("percentOff", "INVALID")],
        ),
    ],
)
async def test_a_fixed_coupon_needs_one_amount_of_money(
    client: GraphQLClient, fields: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    payload = await _call(
        client,
        await admin(client.database),
        "createCoupon",
        {"code": "FIXED", "discountType": "FIXED", **fields},
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == errors
    assert await _count(client.database) == 0


async def test_a_minimum_order_gives_a_percentage_coupon_its_currency(
    client: GraphQLClient, database: Database
) -> None:
    payload = await _call(
        client,
        await admin(database),
        "createCoupon",
        {
            "code": "BIGBASKET",
            "discountType": "PERCENTAGE",
            "percentOff": 10,
            "minOrder": {"amount": "100", "currency": "EUR"},
        },
    )
    assert payload["coupon"]["minOrder"] == {"amount": "100.00", "currency": "EUR"}
    async with database.session() as session:
        row = await session.scalar(select(Coupon).where(Coupon.code == "BIGBASKET"))
    assert row is not None
    assert (row.min_order_minor, row.currency) == (10_000, "EUR")


async def test_an_instructor_creates_a_coupon_for_their_own_course(
    client: GraphQLClient,
) -> None:
    teacher = await factories.instructor(client.database)
    course = await paid_course(client.database, teacher)
    payload = await _call(
        client,
        teacher,
        "createCoupon",
        {
            "code": "MINE",
            "discountType": "PERCENTAGE",
            "percentOff": 30,
            "courseIds": [gid("Course", course.id)],
        },
    )
    assert [c["title"] for c in payload["coupon"]["courses"]] == [course.title]


async def test_an_instructor_cannot_create_a_coupon_for_all_or_others_courses(
    client: GraphQLClient,
) -> None:
    teacher = await factories.instructor(client.database)
    other = await paid_course(client.database)
    for course_ids in ([], [gid("Course", other.id)]):
        outcome = await client.mutate(
            "createCoupon",
            {
                "code": "SNEAKY",
                "discountType": "PERCENTAGE",
                "percentOff": 30,
                "courseIds": course_ids,
            },
            FIELDS,
            token=token_for(client, teacher),
        )
        assert [e.extensions["code"] for e in outcome.errors] == ["FORBIDDEN"]
    assert await _count(client.database) == 0


async def test_a_student_cannot_create_coupons(client: GraphQLClient) -> None:
    outcome = await client.mutate(
        "createCoupon",
        {"code": "FREE", "discountType": "PERCENTAGE", "percentOff": 100},
        FIELDS,
        token=token_for(client, await person(client.database)),
    )
    assert [e.extensions["code"] for e in outcome.errors] == ["FORBIDDEN"]


async def test_bad_coupon_input_is_refused_field_by_field(client: GraphQLClient) -> None:
    payload = await _call(
        client,
        await admin(client.database),
        "createCoupon",
        {
            "code": "x",
            "discountType": "PERCENTAGE",
            "percentOff": 101,
            "usageLimit": 0,
            "validFrom": "2030-01-02T00:00:00Z",
            "validUntil": "2030-01-01T00:00:00Z",
        },
    )
    assert sorted((e["field"], e["code"]) for e in payload["errors"]) == [
        ("code", "INVALID"),
        ("percentOff", "OUT_OF_RANGE"),
        ("usageLimit", "OUT_OF_RANGE"),
        ("validUntil", "INVALID_RANGE"),
    ]
    assert await _count(client.database) == 0


async def test_a_taken_code_is_refused_whatever_its_case(client: GraphQLClient) -> None:
    await coupon(client.database, "TAKEN")
    payload = await _call(
        client,
        await admin(client.database),
        "createCoupon",
        {"code": "taken", "discountType": "PERCENTAGE", "percentOff": 5},
    )
    assert [e["code"] for e in payload["errors"]] == ["CODE_TAKEN"]


async def test_updating_changes_only_the_given_fields(client: GraphQLClient) -> None:
    row = await coupon(client.database, "EDIT", usage_limit=10)
    payload = await _call(
        client,
        await admin(client.database),
        "updateCoupon",
        {
            "couponId": gid("Coupon", row.id),
            "usageLimit": None,
            "minOrder": {"amount": "10", "currency": "USD"},
        },
    )
    made = payload["coupon"]
    assert (made["usageLimit"], made["percentOff"]) == (None, 10)
    assert made["minOrder"] == {"amount": "10.00", "currency": "USD"}


async def test_clearing_the_minimum_order_frees_the_currency(
    client: GraphQLClient, database: Database
) -> None:
    row = await coupon(database, "NOMIN", min_order_minor=5000, currency="USD")
    payload = await _call(
        client,
        await admin(database),
        "updateCoupon",
        {"couponId": gid("Coupon", row.id), "minOrder": None},
    )
    assert payload["coupon"]["minOrder"] is None
    async with database.session() as session:
        found = await session.get(Coupon, row.id)
    assert found is not None
    assert (found.min_order_minor, found.currency) == (0, None)


async def test_a_fixed_coupons_minimum_stays_in_its_currency(client: GraphQLClient) -> None:
    row = await coupon(
        client.database, "FIVEOFF", discount_type=DiscountType.FIXED, amount_off_minor=500
    )
    payload = await _call(
        client,
        await admin(client.database),
        "updateCoupon",
        {"couponId": gid("Coupon", row.id), "minOrder": {"amount": "10", "currency": "EUR"}},
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("minOrder", "CURRENCY_MISMATCH")
    ]


async def test_is_active_cannot_be_null(client: GraphQLClient) -> None:
    row = await coupon(client.database, "ACTIVE")
    payload = await _call(
        client,
        await admin(client.database),
        "updateCoupon",
        {"couponId": gid("Coupon", row.id), "isActive": None},
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("isActive", "REQUIRED")]


async def test_a_usage_limit_below_the_uses_so_far_is_refused(client: GraphQLClient) -> None:
    row = await coupon(client.database, "USED", usage_limit=10, used_count=4)
    payload = await _call(
        client,
        await admin(client.database),
        "updateCoupon",
        {"couponId": gid("Coupon", row.id), "usageLimit": 3},
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("usageLimit", "OUT_OF_RANGE")]


async def test_deactivating_stops_the_coupon(client: GraphQLClient) -> None:
    row = await coupon(client.database, "STOP")
    boss = await admin(client.database)
    payload = await _call(client, boss, "deactivateCoupon", {"couponId": gid("Coupon", row.id)})
    assert payload["coupon"]["isActive"] is False
    outcome = await client.execute(ONE, {"code": "stop"}, token=token_for(client, boss))
    assert outcome.data == {"coupon": {"code": "STOP", "isActive": False}}


async def test_an_instructor_sees_only_coupons_of_their_courses(client: GraphQLClient) -> None:
    teacher = await factories.instructor(client.database)
    course = await paid_course(client.database, teacher)
    await coupon(client.database, "THEIRS", course_ids=(course.id,))
    await coupon(client.database, "GLOBAL")
    token = token_for(client, teacher)
    mine = await client.execute(ONE, {"code": "theirs"}, token=token)
    assert mine.data == {"coupon": {"code": "THEIRS", "isActive": True}}
    other = await client.execute(ONE, {"code": "global"}, token=token)
    assert other.data == {"coupon": None}
    assert [e.extensions["code"] for e in other.errors] == ["NOT_FOUND"]


async def test_a_coupon_is_a_node_its_managers_can_fetch(client: GraphQLClient) -> None:
    teacher = await factories.instructor(client.database)
    course = await paid_course(client.database, teacher)
    row = await coupon(client.database, "NODE", course_ids=(course.id,))
    query = "query($id: ID!) { node(id: $id) { ... on Coupon { code courses { title } } } }"
    variables = {"id": gid("Coupon", row.id)}

    mine = await client.execute(query, variables, token=token_for(client, teacher))
    boss = await client.execute(
        query, variables, token=token_for(client, await admin(client.database))
    )
    student = await client.execute(
        query, variables, token=token_for(client, await person(client.database))
    )

    assert mine.payload("node") == {"code": "NODE", "courses": [{"title": course.title}]}
    assert boss.payload("node")["code"] == "NODE"
    assert (student.data, student.codes) == ({"node": None}, ["NOT_FOUND"])


async def test_an_instructor_cannot_edit_a_global_coupon(client: GraphQLClient) -> None:
    row = await coupon(client.database, "GLOBAL")
    teacher = await person(client.database, UserRole.INSTRUCTOR)
    outcome = await client.mutate(
        "deactivateCoupon",
        {"couponId": gid("Coupon", row.id)},
        FIELDS,
        token=token_for(client, teacher),
    )
    assert [e.extensions["code"] for e in outcome.errors] == ["NOT_FOUND"]
