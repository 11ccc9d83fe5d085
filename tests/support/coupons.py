"""Cart/coupon test helpers (CART): paid courses, coupons, orders to reserve a coupon for."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update

from app.accounts.models import User, UserRole
from app.catalog.models import Course, CoursePricingTier, PricingTier
from app.commerce.models import Coupon, CouponCourse, CouponRedemption, DiscountType, Order
from app.db import Database
from tests.support import catalog as factories
from tests.support.catalog import Tier, gid, person, token_for

__all__ = ["gid", "person", "token_for"]


async def paid_course(
    database: Database,
    owner: User | None = None,
    *,
    prices: tuple[int, ...] = (2000,),
    currency: str = "USD",
    **fields: Any,
) -> Course:
    """A published course by `owner` (a new instructor by default) sold in BASIC(, PRO, PREMIUM)."""
    owner = owner or await factories.instructor(database)
    names = (PricingTier.BASIC, PricingTier.PRO, PricingTier.PREMIUM)
    tiers = tuple(Tier(name, price) for name, price in zip(names, prices, strict=False))
    course = await factories.course(
        database, owner.id, tiers=tiers, modules=1, lessons=1, currency=currency, **fields
    )
    if currency != "USD":
        async with database.transaction() as session:
            await session.execute(
                update(CoursePricingTier)
                .where(CoursePricingTier.course_id == course.id)
                .values(currency=currency)
            )
    return course


async def coupon(
    database: Database,
    code: str = "SAVE10",
    *,
    course_ids: tuple[uuid.UUID, ...] = (),
    **fields: Any,
) -> Coupon:
    values: dict[str, Any] = {
        "code": code,
        "discount_type": DiscountType.PERCENTAGE,
        "percent_off": 10,
        "per_user_limit": None,
    }
    values.update(fields)
    if values["discount_type"] == DiscountType.FIXED:
        values.pop("percent_off", None)
        values.setdefault("currency", "USD")
    async with database.transaction() as session:
        row = Coupon(**values)
        session.add(row)
        await session.flush()
        row.per_user_limit = values["per_user_limit"]  # None (no limit) beats the default
        session.add_all(CouponCourse(coupon_id=row.id, course_id=c) for c in course_ids)
    return row


async def order_for(database: Database, user: User, coupon_row: Coupon | None = None) -> Order:
    async with database.transaction() as session:
        row = Order(
            user_id=user.id,
            subtotal_minor=2000,
            discount_minor=200,
            total_minor=1800,
            coupon_id=coupon_row.id if coupon_row else None,
        )
        session.add(row)
    return row


async def used_count(database: Database, coupon_id: uuid.UUID) -> int:
    async with database.session() as session:
        return int(
            await session.scalar(select(Coupon.used_count).where(Coupon.id == coupon_id)) or 0
        )


async def redemptions(database: Database, coupon_id: uuid.UUID) -> int:
    async with database.session() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(CouponRedemption)
            .where(CouponRedemption.coupon_id == coupon_id)
        )
        return int(count or 0)


async def admin(database: Database) -> User:
    return await person(database, UserRole.ADMIN)
