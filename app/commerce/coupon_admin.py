"""Managing coupons: create, update, deactivate, look up.

Admins manage every coupon. Instructors manage only coupons scoped to courses they teach (every
listed course is theirs); a coupon for all courses is admin-only. Anyone else: FORBIDDEN. A coupon
the caller may not manage is NOT_FOUND for `coupon_for_manager` (its existence is not revealed).
Codes are case-insensitive (stored upper-case, letters, digits, '-' and '_'). The kind and amount
of a discount are fixed once created (make a new coupon instead); the rest can change.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import UserRole
from app.catalog.models import Course
from app.commerce.coupons import find_coupon, normalise_code, scoped_course_ids
from app.commerce.models import Coupon, CouponCourse, DiscountType
from app.errors import Conflict, FieldError, Forbidden, NotFound, collect
from app.security.permissions import Actor

CODE_RE = re.compile(r"^[A-Z0-9_-]{3,64}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class CouponDraft:
    code: str
    discount_type: DiscountType
    percent_off: int | None = None
    amount_off_minor: int | None = None
    currency: str | None = None
    description: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    usage_limit: int | None = None
    per_user_limit: int | None = 1
    min_order_minor: int = 0
    course_ids: Sequence[uuid.UUID] = field(default_factory=tuple)
    is_active: bool = True


# the fields `update_coupon` accepts (omitted ones keep their value)
UPDATABLE = frozenset(
    {
        "description",
        "valid_from",
        "valid_until",
        "usage_limit",
        "per_user_limit",
        "min_order_minor",
        "course_ids",
        "is_active",
    }
)


def _is_admin(actor: Actor) -> bool:
    return actor.role == UserRole.ADMIN and not actor.admin_mfa_missing


async def _require_scope_rights(
    session: AsyncSession, actor: Actor, course_ids: Sequence[uuid.UUID]
) -> None:
    """Admins: any scope. Instructors: a non-empty list of their own courses."""
    if _is_admin(actor):
        return
    if actor.role != UserRole.INSTRUCTOR or not course_ids:
        raise Forbidden()
    owners = await session.scalars(select(Course.instructor_id).where(Course.id.in_(course_ids)))
    if any(owner != actor.id for owner in owners):
        raise Forbidden()


async def _check_courses(session: AsyncSession, course_ids: Sequence[uuid.UUID]) -> None:
    found = set(await session.scalars(select(Course.id).where(Course.id.in_(course_ids))))
    if set(course_ids) - found:
        raise Conflict("courseIds", "Some of these courses do not exist", "NOT_FOUND")


def _shape_errors(draft: CouponDraft) -> list[FieldError]:
    errors: list[FieldError] = []
    if not CODE_RE.match(normalise_code(draft.code)):
        errors.append(FieldError("code", "3-64 letters, digits, '-' or '_'", "INVALID_CODE"))
    if draft.discount_type == DiscountType.PERCENTAGE:
        if draft.percent_off is None or not 1 <= draft.percent_off <= 100:
            errors.append(FieldError("percentOff", "Between 1 and 100", "OUT_OF_RANGE"))
        if draft.amount_off_minor is not None:
            errors.append(FieldError("amountOff", "Not for a percentage", "INVALID"))
    else:
        if draft.amount_off_minor is None or draft.amount_off_minor <= 0:
            errors.append(FieldError("amountOff", "A positive amount", "OUT_OF_RANGE"))
        if draft.currency is None or not CURRENCY_RE.match(draft.currency.upper()):
            errors.append(FieldError("currency", "A three-letter currency", "INVALID"))
        if draft.percent_off is not None:
            errors.append(FieldError("percentOff", "Not for a fixed amount", "INVALID"))
    return errors


def _rule_errors(values: dict[str, Any], used_count: int = 0) -> list[FieldError]:
    errors: list[FieldError] = []
    start, end = values.get("valid_from"), values.get("valid_until")
    if start is not None and end is not None and end <= start:
        errors.append(FieldError("validUntil", "Must be after validFrom", "INVALID_WINDOW"))
    limit = values.get("usage_limit")
    if limit is not None and (limit <= 0 or limit < used_count):
        errors.append(
            FieldError("usageLimit", "Positive and at least the uses so far", "OUT_OF_RANGE")
        )
    per_user = values.get("per_user_limit")
    if per_user is not None and per_user <= 0:
        errors.append(FieldError("perUserLimit", "Positive, or null for none", "OUT_OF_RANGE"))
    if (values.get("min_order_minor") or 0) < 0:
        errors.append(FieldError("minOrderAmount", "Not negative", "OUT_OF_RANGE"))
    description = values.get("description")
    if description is not None and len(description) > 255:
        errors.append(FieldError("description", "At most 255 characters", "TOO_LONG"))
    return errors


async def _set_scope(
    session: AsyncSession, coupon_id: uuid.UUID, course_ids: Sequence[uuid.UUID]
) -> None:
    await session.execute(delete(CouponCourse).where(CouponCourse.coupon_id == coupon_id))
    session.add_all(
        CouponCourse(coupon_id=coupon_id, course_id=c) for c in dict.fromkeys(course_ids)
    )


async def create_coupon(session: AsyncSession, *, actor: Actor, draft: CouponDraft) -> Coupon:
    """FORBIDDEN (scope rights), field errors, CODE_TAKEN."""
    course_ids = list(dict.fromkeys(draft.course_ids))
    await _require_scope_rights(session, actor, course_ids)
    collect(_shape_errors(draft) + _rule_errors(draft.__dict__))
    await _check_courses(session, course_ids)
    code = normalise_code(draft.code)
    if await find_coupon(session, code) is not None:
        raise Conflict("code", "This code is already in use", "CODE_TAKEN")
    fixed = draft.discount_type == DiscountType.FIXED
    coupon = Coupon(
        code=code,
        description=draft.description,
        discount_type=draft.discount_type,
        percent_off=None if fixed else draft.percent_off,
        amount_off_minor=draft.amount_off_minor if fixed else None,
        currency=draft.currency.upper() if fixed and draft.currency else None,
        valid_from=draft.valid_from,
        valid_until=draft.valid_until,
        usage_limit=draft.usage_limit,
        per_user_limit=draft.per_user_limit,
        min_order_minor=draft.min_order_minor,
        is_active=draft.is_active,
        created_by_id=actor.id,
    )
    session.add(coupon)
    await session.flush()
    coupon.per_user_limit = draft.per_user_limit  # an explicit None (no limit) beats the default
    await _set_scope(session, coupon.id, course_ids)
    await session.flush()
    return coupon


async def coupon_for_manager(
    session: AsyncSession, *, actor: Actor, coupon: Coupon | None
) -> Coupon:
    """`coupon` if the actor may manage it, else NOT_FOUND."""
    if coupon is None:
        raise NotFound("Coupon")
    try:
        await _require_scope_rights(session, actor, await scoped_course_ids(session, coupon.id))
    except Forbidden:
        raise NotFound("Coupon") from None
    return coupon


async def get_coupon(session: AsyncSession, *, actor: Actor, code: str) -> Coupon:
    return await coupon_for_manager(session, actor=actor, coupon=await find_coupon(session, code))


async def update_coupon(
    session: AsyncSession, *, actor: Actor, coupon_id: uuid.UUID, changes: dict[str, Any]
) -> Coupon:
    """Change the UPDATABLE fields present in `changes`. A new scope needs the same rights."""
    if unknown := set(changes) - UPDATABLE:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    coupon = await coupon_for_manager(
        session, actor=actor, coupon=await session.get(Coupon, coupon_id)
    )
    merged = {name: getattr(coupon, name) for name in UPDATABLE - {"course_ids"}} | changes
    collect(_rule_errors(merged, coupon.used_count))
    if "course_ids" in changes:
        course_ids = list(dict.fromkeys(changes["course_ids"] or ()))
        await _require_scope_rights(session, actor, course_ids)
        await _check_courses(session, course_ids)
        await _set_scope(session, coupon.id, course_ids)
    for name, value in changes.items():
        if name != "course_ids":
            setattr(coupon, name, value)
    await session.flush()
    return coupon


async def deactivate_coupon(session: AsyncSession, *, actor: Actor, coupon_id: uuid.UUID) -> Coupon:
    """Idempotent; reserved uses stay reserved, new checkouts get COUPON_INACTIVE."""
    return await update_coupon(
        session, actor=actor, coupon_id=coupon_id, changes={"is_active": False}
    )
