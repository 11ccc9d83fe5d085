"""The demo coupon WELCOME10: 10% off every course, created once however often the seed runs."""

from __future__ import annotations

from app.commerce.coupon_seed import seed_demo_coupon
from app.commerce.repo import coupon_by_code
from app.db import Database
from app.seed import seed_users


async def test_the_demo_coupon_is_seeded_once(database: Database) -> None:
    async with database.transaction() as session:
        await seed_users(session)
    created = []
    for _ in range(2):
        async with database.transaction() as session:
            created.append(await seed_demo_coupon(session))
    assert created == [1, 0]
    async with database.session() as session:
        row = await coupon_by_code(session, "welcome10")
    assert row is not None
    assert (row.percent_off, row.is_active, row.per_user_limit) == (10, True, 1)
