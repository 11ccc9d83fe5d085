"""Demo data for the cart: the coupon WELCOME10 (10% off every course, once per user)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import UserRole
from app.accounts.service import get_user_by_email
from app.commerce.coupon_admin import CouponDraft, create_coupon
from app.commerce.models import DiscountType
from app.commerce.repo import coupon_by_code
from app.security.permissions import Actor

DEMO_COUPON = CouponDraft(
    code="WELCOME10",
    discount_type=DiscountType.PERCENTAGE,
    percent_off=10,
    description="10% off your first order",
    per_user_limit=1,
)
DEMO_ADMIN_EMAIL = "admin@easyways.example"


async def seed_demo_coupon(session: AsyncSession) -> int:
    """Create WELCOME10 once (as the demo admin); 0 when it exists."""
    if await coupon_by_code(session, DEMO_COUPON.code) is not None:
        return 0
    admin = await get_user_by_email(session, DEMO_ADMIN_EMAIL)
    if admin is None or admin.role != UserRole.ADMIN:
        raise LookupError(f"seed the users first: {DEMO_ADMIN_EMAIL} is missing")
    await create_coupon(session, actor=Actor.of(admin), draft=DEMO_COUPON)
    return 1
