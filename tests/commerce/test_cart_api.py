"""The cart over GraphQL: addToCart, removeFromCart, applyCoupon, removeCoupon, cart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.catalog.models import CourseStatus
from app.clock import utcnow
from app.commerce.models import Cart as CartModel
from app.commerce.models import DiscountType
from app.db import Database
from tests.support import learning as helpers
from tests.support.coupons import coupon, gid, paid_course, person, token_for
from tests.support.graphql import GraphQLClient, with_settings

CART_FIELDS = (
    "cart { lines { course { title } tier unitPrice { amount currency } discount { amount } "
    "total { amount } } coupon { code } couponProblem { code } subtotal { amount currency } "
    "discount { amount } tax { amount } total { amount } }"
)
CART = "query { cart { " + CART_FIELDS[7:-2] + " } }"


async def _mutate(
    client: GraphQLClient, user: User, name: str, input_: dict[str, Any]
) -> dict[str, Any]:
    outcome = await client.mutate(name, input_, CART_FIELDS, token=token_for(client, user))
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return dict(outcome.data[name])


async def _add(client: GraphQLClient, user: User, course_id: Any, tier: str = "BASIC") -> Any:
    return await _mutate(
        client, user, "addToCart", {"courseId": gid("Course", course_id), "tier": tier}
    )


async def _cart(client: GraphQLClient, user: User) -> dict[str, Any]:
    outcome = await client.execute(CART, token=token_for(client, user))
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return dict(outcome.data["cart"])


async def test_adding_a_course_captures_its_tier_price(client: GraphQLClient) -> None:
    course = await paid_course(client.database, prices=(2000, 5000))
    user = await person(client.database)
    payload = await _add(client, user, course.id, "PRO")
    assert payload["errors"] == []
    line = payload["cart"]["lines"][0]
    assert (line["tier"], line["unitPrice"]) == ("PRO", {"amount": "50.00", "currency": "USD"})
    assert payload["cart"]["total"] == {"amount": "50.00"}


async def test_adding_a_course_again_changes_its_tier(client: GraphQLClient) -> None:
    course = await paid_course(client.database, prices=(2000, 5000))
    user = await person(client.database)
    await _add(client, user, course.id, "PRO")
    payload = await _add(client, user, course.id, "BASIC")
    assert [line["tier"] for line in payload["cart"]["lines"]] == ["BASIC"]
    assert payload["cart"]["subtotal"] == {"amount": "20.00", "currency": "USD"}


async def test_an_owned_course_cannot_be_added(client: GraphQLClient) -> None:
    course = await paid_course(client.database)
    user = await person(client.database)
    await helpers.enroll(client.database, user, course)
    payload = await _add(client, user, course.id)
    assert [e["code"] for e in payload["errors"]] == ["ALREADY_OWNED"]
    assert (await _cart(client, user))["lines"] == []


async def test_a_tier_the_course_does_not_sell_is_refused(client: GraphQLClient) -> None:
    course = await paid_course(client.database, prices=(2000,))
    user = await person(client.database)
    payload = await _add(client, user, course.id, "PREMIUM")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("tier", "TIER_UNAVAILABLE")]


async def test_a_free_course_is_not_sold(client: GraphQLClient) -> None:
    course = await helpers.free_course(client.database)
    user = await person(client.database)
    payload = await _add(client, user, course.id)
    assert [e["code"] for e in payload["errors"]] == ["COURSE_FREE"]


async def test_an_unpublished_course_is_not_found(client: GraphQLClient) -> None:
    course = await paid_course(client.database, status=CourseStatus.DRAFT)
    user = await person(client.database)
    outcome = await client.mutate(
        "addToCart",
        {"courseId": gid("Course", course.id), "tier": "BASIC"},
        CART_FIELDS,
        token=token_for(client, user),
    )
    assert [e.extensions["code"] for e in outcome.errors] == ["NOT_FOUND"]


async def test_a_course_in_another_currency_is_refused(client: GraphQLClient) -> None:
    usd = await paid_course(client.database)
    eur = await paid_course(client.database, currency="EUR")
    user = await person(client.database)
    await _add(client, user, usd.id)
    payload = await _add(client, user, eur.id)
    assert [e["code"] for e in payload["errors"]] == ["CURRENCY_MISMATCH"]
    assert len((await _cart(client, user))["lines"]) == 1


async def test_removing_a_course_empties_its_line(client: GraphQLClient) -> None:
    course = await paid_course(client.database)
    user = await person(client.database)
    await _add(client, user, course.id)
    payload = await _mutate(client, user, "removeFromCart", {"courseId": gid("Course", course.id)})
    assert payload["cart"]["lines"] == []
    again = await _mutate(client, user, "removeFromCart", {"courseId": gid("Course", course.id)})
    assert [e["code"] for e in again["errors"]] == ["NOT_IN_CART"]


async def test_a_coupon_code_is_case_insensitive_and_discounts_the_total(
    client: GraphQLClient,
) -> None:
    course = await paid_course(client.database, prices=(2000,))
    await coupon(client.database, "SPRING25", percent_off=25)
    user = await person(client.database)
    await _add(client, user, course.id)
    payload = await _mutate(client, user, "applyCoupon", {"code": " spring25 "})
    cart = payload["cart"]
    assert cart["coupon"] == {"code": "SPRING25"}
    assert (cart["discount"], cart["total"]) == ({"amount": "5.00"}, {"amount": "15.00"})


async def test_a_coupon_scoped_to_other_courses_does_not_apply(client: GraphQLClient) -> None:
    mine, other = await paid_course(client.database), await paid_course(client.database)
    await coupon(client.database, "ONLYOTHER", course_ids=(other.id,))
    user = await person(client.database)
    await _add(client, user, mine.id)
    payload = await _mutate(client, user, "applyCoupon", {"code": "onlyother"})
    assert [e["code"] for e in payload["errors"]] == ["COUPON_NOT_APPLICABLE"]
    assert (await _cart(client, user))["coupon"] is None


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"is_active": False}, "COUPON_INACTIVE"),
        ({"usage_limit": 1, "used_count": 1}, "COUPON_EXHAUSTED"),
        ({"min_order_minor": 5000}, "MIN_ORDER_NOT_MET"),
        ({"min_order_minor": 100, "currency": "EUR"}, "CURRENCY_MISMATCH"),
        (
            {"discount_type": DiscountType.FIXED, "amount_off_minor": 500, "currency": "EUR"},
            "CURRENCY_MISMATCH",
        ),
    ],
)
async def test_a_coupon_that_does_not_apply_is_refused(
    client: GraphQLClient, fields: dict[str, Any], code: str
) -> None:
    course = await paid_course(client.database, prices=(2000,))
    await coupon(client.database, "NOPE", **fields)
    user = await person(client.database)
    await _add(client, user, course.id)
    payload = await _mutate(client, user, "applyCoupon", {"code": "NOPE"})
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("code", code)]


async def test_an_unknown_code_is_refused(client: GraphQLClient) -> None:
    user = await person(client.database)
    payload = await _mutate(client, user, "applyCoupon", {"code": "MISSING"})
    assert [e["code"] for e in payload["errors"]] == ["COUPON_NOT_FOUND"]


async def test_a_coupon_that_expires_stops_counting_and_says_why(
    client: GraphQLClient, database: Database
) -> None:
    course = await paid_course(client.database, prices=(2000,))
    row = await coupon(client.database, "SOON", valid_until=utcnow() + timedelta(hours=1))
    user = await person(client.database)
    await _add(client, user, course.id)
    await _mutate(client, user, "applyCoupon", {"code": "SOON"})
    async with database.transaction() as session:
        found = await session.get(type(row), row.id)
        assert found is not None
        found.valid_from, found.valid_until = (
            utcnow() - timedelta(days=2),
            utcnow() - timedelta(days=1),
        )
    cart = await _cart(client, user)
    assert (cart["coupon"], cart["couponProblem"]) == (None, {"code": "COUPON_EXPIRED"})
    assert cart["total"] == {"amount": "20.00"}


async def test_removing_the_coupon_restores_the_total(client: GraphQLClient) -> None:
    course = await paid_course(client.database, prices=(2000,))
    await coupon(client.database, "TEN")
    user = await person(client.database)
    await _add(client, user, course.id)
    await _mutate(client, user, "applyCoupon", {"code": "TEN"})
    outcome = await client.execute(
        "mutation { removeCoupon { " + CART_FIELDS + " errors { code } } }",
        token=token_for(client, user),
    )
    assert outcome.data is not None
    assert outcome.data["removeCoupon"]["cart"]["total"] == {"amount": "20.00"}


async def test_tax_is_added_after_the_discount(client: GraphQLClient) -> None:
    course = await paid_course(client.database, prices=(10_000,))
    await coupon(client.database, "FIFTEEN", percent_off=15)
    user = await person(client.database)
    await _add(client, user, course.id)
    await _mutate(client, user, "applyCoupon", {"code": "FIFTEEN"})
    cart = await _cart(with_settings(client, tax_rate_bps=825), user)
    assert (cart["discount"], cart["tax"], cart["total"]) == (
        {"amount": "15.00"},
        {"amount": "7.01"},
        {"amount": "92.01"},
    )


async def test_the_cart_needs_a_signed_in_user(client: GraphQLClient) -> None:
    outcome = await client.execute(CART)
    assert [e.extensions["code"] for e in outcome.errors] == ["UNAUTHENTICATED"]


async def test_reading_a_cart_never_used_shows_it_empty_and_writes_nothing(
    client: GraphQLClient, database: Database
) -> None:
    user = await person(client.database)
    cart = await _cart(client, user)
    assert (cart["lines"], cart["coupon"], cart["total"]) == ([], None, {"amount": "0.00"})
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(CartModel)) == 0
