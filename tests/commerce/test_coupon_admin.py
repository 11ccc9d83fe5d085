"""Managing coupons in the service: concurrent scope changes of one coupon, and validity windows
that take only time-zone-aware date-times."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from app.commerce.coupon_admin import CouponDraft, create_coupon, update_coupon
from app.commerce.models import Coupon, CouponCourse, DiscountType
from app.db import Database
from app.errors import UserFacingError
from app.security.permissions import Actor
from tests.support.coupons import admin, coupon, paid_course
from tests.support.orders import count, rows


async def _update(database: Database, manager: Actor, coupon_id: Any, **changes: Any) -> Coupon:
    async with database.transaction() as session:
        return await update_coupon(session, actor=manager, coupon_id=coupon_id, **changes)


async def test_concurrent_scope_changes_of_one_coupon_all_succeed(database: Database) -> None:
    manager = Actor.of(await admin(database))
    courses = [await paid_course(database) for _ in range(3)]
    deal = await coupon(database, "RACE", course_ids=(courses[0].id,))
    scopes = [[c.id for c in courses[: 1 + i % 3]] for i in range(6)]

    results = await asyncio.gather(
        *(_update(database, manager, deal.id, course_ids=scope) for scope in scopes),
        return_exceptions=True,
    )

    assert [r for r in results if isinstance(r, BaseException)] == []
    stored = {row.course_id for row in await rows(database, CouponCourse)}
    assert stored in [set(scope) for scope in scopes]


async def test_a_naive_end_of_the_window_is_refused_and_changes_nothing(
    database: Database,
) -> None:
    manager = Actor.of(await admin(database))
    start = datetime(2030, 1, 1, tzinfo=UTC)
    deal = await coupon(database, "NAIVE", valid_from=start)

    with pytest.raises(UserFacingError) as caught:
        await _update(database, manager, deal.id, valid_until=datetime(2030, 6, 1))

    assert [(e.field, e.code) for e in caught.value.errors] == [("valid_until", "INVALID")]
    [stored] = await rows(database, Coupon)
    assert (stored.valid_from, stored.valid_until) == (start, None)


async def test_a_new_coupon_with_a_naive_window_is_refused(database: Database) -> None:
    manager = Actor.of(await admin(database))
    draft = CouponDraft(
        code="NAIVE2",
        discount_type=DiscountType.PERCENTAGE,
        percent_off=10,
        valid_from=datetime(2030, 1, 1),
        valid_until=datetime(2030, 2, 1, tzinfo=UTC),
    )

    with pytest.raises(UserFacingError) as caught:
        async with database.transaction() as session:
            await create_coupon(session, actor=manager, draft=draft)

    assert [(e.field, e.code) for e in caught.value.errors] == [("valid_from", "INVALID")]
    assert await count(database, Coupon) == 0


async def test_a_moment_beyond_the_supported_range_in_utc_is_out_of_range(
    database: Database,
) -> None:
    manager = Actor.of(await admin(database))
    deal = await coupon(database, "FAR")
    last = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))

    with pytest.raises(UserFacingError) as caught:
        await _update(database, manager, deal.id, valid_until=last)

    assert [(e.field, e.code) for e in caught.value.errors] == [("valid_until", "OUT_OF_RANGE")]


async def test_a_window_in_another_zone_is_kept_as_the_same_moment(database: Database) -> None:
    manager = Actor.of(await admin(database))
    deal = await coupon(database, "ZONED")
    paris = timezone(timedelta(hours=1))

    updated = await _update(
        database, manager, deal.id, valid_until=datetime(2030, 1, 1, 9, tzinfo=paris)
    )

    assert updated.valid_until == datetime(2030, 1, 1, 8, tzinfo=UTC)
    assert updated.valid_until is not None
    assert updated.valid_until.utcoffset() == timedelta(0)
