"""What checkout takes from the cart (`checkout_snapshot`, used by orders)."""

from __future__ import annotations

import uuid

import pytest

from app.catalog.models import Course, PricingTier
from app.commerce import cart
from app.commerce.models import Coupon
from app.db import Database
from app.errors import UserFacingError
from tests.support import learning as helpers
from tests.support.coupons import coupon, paid_course, person


async def _errors(database: Database, user_id: uuid.UUID) -> list[tuple[str | None, str]]:
    try:
        async with database.transaction() as session:
            await cart.checkout_snapshot(session, user_id=user_id, tax_rate_bps=0)
    except UserFacingError as exc:
        return [(e.field, e.code) for e in exc.errors]
    return []


async def _codes(database: Database, user_id: uuid.UUID) -> list[str]:
    return [code for _, code in await _errors(database, user_id)]


async def _fill(
    database: Database, user_id: uuid.UUID, *courses: Course, code: str | None = None
) -> None:
    async with database.transaction() as session:
        for course in courses:
            await cart.add_to_cart(
                session, user_id=user_id, course_id=course.id, tier=PricingTier.BASIC
            )
        if code:
            await cart.apply_coupon(session, user_id=user_id, code=code)


async def test_the_snapshot_aligns_lines_titles_and_discounts(database: Database) -> None:
    first = await paid_course(database, prices=(1000,))
    second = await paid_course(database, prices=(3000,))
    row = await coupon(database, "QUARTER", percent_off=25)
    user = await person(database)
    await _fill(database, user.id, first, second, code="QUARTER")
    async with database.transaction() as session:
        snap = await cart.checkout_snapshot(session, user_id=user.id, tax_rate_bps=1000)
    assert [line.title for line in snap.lines] == [first.title, second.title]
    assert [t.discount_minor for t in snap.totals.lines] == [250, 750]
    assert (snap.totals.discount_minor, snap.totals.tax_minor, snap.totals.total_minor) == (
        1000,
        300,
        3300,
    )
    assert snap.coupon_id == row.id


async def test_an_empty_cart_cannot_be_checked_out(database: Database) -> None:
    user = await person(database)
    assert await _codes(database, user.id) == ["CART_EMPTY"]


async def test_a_course_owned_since_it_was_added_stops_checkout(database: Database) -> None:
    course = await paid_course(database)
    user = await person(database)
    await _fill(database, user.id, course)
    await helpers.enroll(database, user, course)
    assert await _codes(database, user.id) == ["ALREADY_OWNED"]


async def test_a_coupon_used_up_since_it_was_applied_stops_checkout(database: Database) -> None:
    course = await paid_course(database)
    row = await coupon(database, "LAST", usage_limit=1)
    user = await person(database)
    await _fill(database, user.id, course, code="LAST")
    async with database.transaction() as session:
        found = await session.get(Coupon, row.id)
        assert found is not None
        found.used_count = 1
    # a checkout has no coupon code among its input fields: the error names none
    assert await _errors(database, user.id) == [(None, "COUPON_EXHAUSTED")]


@pytest.mark.parametrize("with_coupon", [False, True])
async def test_clearing_the_cart_empties_it(database: Database, with_coupon: bool) -> None:
    course = await paid_course(database)
    await coupon(database, "CLEAR")
    user = await person(database)
    await _fill(database, user.id, course, code="CLEAR" if with_coupon else None)
    async with database.transaction() as session:
        await cart.clear_cart(session, user_id=user.id)
        quote = await cart.price_cart(session, user_id=user.id, tax_rate_bps=0)
    assert (quote.items, quote.coupon) == ([], None)
