"""Managing coupons over GraphQL: createCoupon, updateCoupon, deactivateCoupon, coupon(code)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User, UserRole
from app.commerce.models import Coupon
from app.db import Database
from tests.support import catalog as factories
from tests.support.coupons import admin, coupon, gid, paid_course, person, token_for
from tests.support.graphql import GraphQLClient

FIELDS = (
    "coupon { id code discountType percentOff amountOff { amount currency } usageLimit "
    "perUserLimit usedCount minOrderAmount isActive courses { title } }"
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
            "amountOff": 500,
            "currency": "usd",
            "perUserLimit": None,
        },
    )
    made = payload["coupon"]
    assert made["amountOff"] == {"amount": 500, "currency": "USD"}
    assert made["perUserLimit"] is None


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
        ("code", "INVALID_CODE"),
        ("percentOff", "OUT_OF_RANGE"),
        ("usageLimit", "OUT_OF_RANGE"),
        ("validUntil", "INVALID_WINDOW"),
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
        {"id": gid("Coupon", row.id), "usageLimit": None, "minOrderAmount": 1000},
    )
    made = payload["coupon"]
    assert (made["usageLimit"], made["minOrderAmount"], made["percentOff"]) == (None, 1000, 10)


async def test_a_usage_limit_below_the_uses_so_far_is_refused(client: GraphQLClient) -> None:
    row = await coupon(client.database, "USED", usage_limit=10, used_count=4)
    payload = await _call(
        client,
        await admin(client.database),
        "updateCoupon",
        {"id": gid("Coupon", row.id), "usageLimit": 3},
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("usageLimit", "OUT_OF_RANGE")]


async def test_deactivating_stops_the_coupon(client: GraphQLClient) -> None:
    row = await coupon(client.database, "STOP")
    boss = await admin(client.database)
    payload = await _call(client, boss, "deactivateCoupon", {"id": gid("Coupon", row.id)})
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
    assert [e.extensions["code"] for e in other.errors] == ["NOT_FOUND"]


async def test_an_instructor_cannot_edit_a_global_coupon(client: GraphQLClient) -> None:
    row = await coupon(client.database, "GLOBAL")
    teacher = await person(client.database, UserRole.INSTRUCTOR)
    outcome = await client.mutate(
        "deactivateCoupon", {"id": gid("Coupon", row.id)}, FIELDS, token=token_for(client, teacher)
    )
    assert [e.extensions["code"] for e in outcome.errors] == ["NOT_FOUND"]
