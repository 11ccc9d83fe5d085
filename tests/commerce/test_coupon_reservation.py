"""Coupon uses at checkout: reserve (limits hold under real concurrency), confirm, release."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from app.accounts.models import User
from app.clock import utcnow
from app.commerce.coupons import confirm_redemption, release_redemption, reserve_coupon
from app.commerce.models import Coupon, Order, OrderStatus
from app.db import Database
from app.errors import Conflict
from tests.support.coupons import coupon, order_for, person, redemptions, used_count


async def _reserve(database: Database, row: Coupon, user: User, order: Order) -> str:
    try:
        async with database.transaction() as session:
            await reserve_coupon(
                session, coupon_id=row.id, user_id=user.id, order_id=order.id, discount_minor=200
            )
    except Conflict as exc:
        return exc.errors[0].code
    return "OK"


async def test_reserving_takes_one_use_and_records_the_redemption(database: Database) -> None:
    row = await coupon(database, usage_limit=5)
    user = await person(database)
    assert await _reserve(database, row, user, await order_for(database, user, row)) == "OK"
    assert await used_count(database, row.id) == 1
    assert await redemptions(database, row.id) == 1


async def test_reserving_twice_for_one_order_takes_one_use(database: Database) -> None:
    row = await coupon(database, usage_limit=5)
    user = await person(database)
    order = await order_for(database, user, row)
    await _reserve(database, row, user, order)
    assert await _reserve(database, row, user, order) == "OK"
    assert await used_count(database, row.id) == 1


@pytest.mark.parametrize(("limit", "used", "parallel"), [(3, 0, 8), (5, 4, 6), (1, 0, 5)])
async def test_parallel_checkouts_reserve_exactly_the_uses_left(
    database: Database, limit: int, used: int, parallel: int
) -> None:
    """N parallel reservations for a coupon with k uses left: exactly k succeed."""
    row = await coupon(database, usage_limit=limit, used_count=used)
    users = [await person(database) for _ in range(parallel)]
    orders = [await order_for(database, u, row) for u in users]
    outcomes = await asyncio.gather(
        *(_reserve(database, row, u, o) for u, o in zip(users, orders, strict=True))
    )
    left = limit - used
    assert outcomes.count("OK") == left
    assert outcomes.count("COUPON_EXHAUSTED") == parallel - left
    assert await used_count(database, row.id) == limit
    assert await redemptions(database, row.id) == left


async def test_parallel_checkouts_of_one_user_respect_the_per_user_limit(
    database: Database,
) -> None:
    row = await coupon(database, per_user_limit=2)
    user = await person(database)
    orders = [await order_for(database, user, row) for _ in range(6)]
    outcomes = await asyncio.gather(*(_reserve(database, row, user, o) for o in orders))
    assert outcomes.count("OK") == 2
    assert outcomes.count("COUPON_LIMIT_REACHED") == 4
    assert await used_count(database, row.id) == 2


async def test_a_deactivated_coupon_cannot_be_reserved(database: Database) -> None:
    row = await coupon(database, is_active=False)
    user = await person(database)
    outcome = await _reserve(database, row, user, await order_for(database, user, row))
    assert outcome == "COUPON_INACTIVE"
    assert await used_count(database, row.id) == 0


async def test_an_expired_coupon_cannot_be_reserved(database: Database) -> None:
    now = utcnow()
    row = await coupon(
        database, valid_from=now - timedelta(days=2), valid_until=now - timedelta(days=1)
    )
    user = await person(database)
    outcome = await _reserve(database, row, user, await order_for(database, user, row))
    assert outcome == "COUPON_EXPIRED"


async def test_releasing_gives_the_use_back(database: Database) -> None:
    row = await coupon(database, usage_limit=1)
    first, second = await person(database), await person(database)
    order = await order_for(database, first, row)
    await _reserve(database, row, first, order)
    async with database.transaction() as session:
        assert await release_redemption(session, order_id=order.id) is True
    assert await used_count(database, row.id) == 0
    assert await _reserve(database, row, second, await order_for(database, second, row)) == "OK"


async def test_releasing_twice_gives_back_one_use(database: Database) -> None:
    row = await coupon(database, usage_limit=3)
    user = await person(database)
    orders = [await order_for(database, user, row) for _ in range(2)]
    assert [await _reserve(database, row, user, o) for o in orders] == ["OK", "OK"]

    async def release() -> bool:
        async with database.transaction() as session:
            return await release_redemption(session, order_id=orders[0].id)

    assert sorted(await asyncio.gather(release(), release())) == [False, True]
    assert await used_count(database, row.id) == 1


async def test_a_paid_order_keeps_its_use_when_released(database: Database) -> None:
    row = await coupon(database, usage_limit=3)
    user = await person(database)
    order = await order_for(database, user, row)
    await _reserve(database, row, user, order)
    async with database.transaction() as session:
        paid = await session.get(Order, order.id)
        assert paid is not None
        paid.status = OrderStatus.PAID
    async with database.transaction() as session:
        assert await release_redemption(session, order_id=order.id) is False
    assert await used_count(database, row.id) == 1


async def test_confirming_stamps_the_redemption_once(database: Database) -> None:
    row = await coupon(database, usage_limit=3)
    user = await person(database)
    order = await order_for(database, user, row)
    await _reserve(database, row, user, order)
    for _ in range(2):
        async with database.transaction() as session:
            confirmed = await confirm_redemption(session, order_id=order.id)
            assert confirmed is not None
    assert await used_count(database, row.id) == 1
    assert await redemptions(database, row.id) == 1


async def test_confirming_after_a_release_takes_the_use_again(database: Database) -> None:
    """A failure event processed before the success converges on a redeemed coupon."""
    row = await coupon(database, usage_limit=3)
    user = await person(database)
    order = await order_for(database, user, row)
    await _reserve(database, row, user, order)
    async with database.transaction() as session:
        await release_redemption(session, order_id=order.id)
    async with database.transaction() as session:
        confirmed = await confirm_redemption(session, order_id=order.id)
        assert confirmed is not None
        assert confirmed.discount_minor == 200
    assert await used_count(database, row.id) == 1
    assert await redemptions(database, row.id) == 1


async def test_confirming_an_order_without_a_coupon_does_nothing(database: Database) -> None:
    user = await person(database)
    order = await order_for(database, user)
    async with database.transaction() as session:
        assert await confirm_redemption(session, order_id=order.id) is None
