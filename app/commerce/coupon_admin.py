"""Managing coupons: create, update, deactivate, look up.

Admins manage every coupon. Instructors manage only coupons scoped to courses they teach (every
listed course is theirs); a coupon for all courses is admin-only. Anyone else: FORBIDDEN. A coupon
the caller may not manage is NOT_FOUND for `coupon_for_manager` (its existence is not revealed).
Codes are case-insensitive (stored upper-case, letters, digits, '-' and '_'). The kind and amount
of a discount are fixed once created (make a new coupon instead); the rest can change.

Amounts arrive in major units with their currency (`app.money.Amount`) and are stored in minor
units. A coupon has at most one currency: that of its fixed amount, or (a percentage) that of its
minimum order; a coupon with a currency applies only to carts in that currency. The validity
window takes time-zone-aware date-times only (stored in UTC; a naive one is INVALID, one that
leaves the supported range in UTC OUT_OF_RANGE), so it is never compared with a naive one.

`update_coupon` locks the coupon row first: concurrent updates of one coupon (its course scope is
replaced by delete-then-insert) run one after the other.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app import catalog
from app.accounts.models import UserRole
from app.commerce.errors import CommerceCode
from app.commerce.models import Coupon, CouponCourse, DiscountType
from app.commerce.repo import coupon_by_code, lock_coupon, normalise_code, scoped_course_ids
from app.errors import Common, Conflict, FieldError, Forbidden, NotFound, collect
from app.money import Amount, minor_or_error, to_minor
from app.security.permissions import Actor

CODE_RE = re.compile(r"^[A-Z0-9_-]{3,64}$")
MAX_DESCRIPTION = 255


@dataclass(frozen=True)
class CouponDraft:
    code: str
    discount_type: DiscountType
    percent_off: int | None = None
    amount_off: Amount | None = None
    min_order: Amount | None = None
    description: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    usage_limit: int | None = None
    per_user_limit: int | None = 1
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
        "min_order",
        "course_ids",
        "is_active",
    }
)
# the columns the rules of a change read beside the change itself
_RULED = ("description", "valid_from", "valid_until", "usage_limit", "per_user_limit")


def is_admin(actor: Actor) -> bool:
    return actor.role == UserRole.ADMIN and not actor.admin_mfa_missing


def may_manage(actor: Actor | None, owners: Sequence[uuid.UUID | None]) -> bool:
    """Whether `actor` manages a coupon scoped to courses taught by `owners` (empty: a coupon for
    every course): admins any; instructors a non-empty scope of their own courses only."""
    if actor is None:
        return False
    if is_admin(actor):
        return True
    return actor.role == UserRole.INSTRUCTOR and bool(owners) and all(o == actor.id for o in owners)


async def _require_scope_rights(
    session: AsyncSession, actor: Actor, course_ids: Sequence[uuid.UUID]
) -> None:
    """FORBIDDEN unless the actor may manage a coupon for these courses (of those that exist)."""
    if is_admin(actor):
        return
    courses = await catalog.courses_by_ids(session, course_ids)
    if not course_ids or not may_manage(actor, [c.instructor_id for c in courses if c]):
        raise Forbidden()


async def _check_courses(session: AsyncSession, course_ids: Sequence[uuid.UUID]) -> None:
    if None in await catalog.courses_by_ids(session, course_ids):
        raise Conflict(
            "course_ids", "Some of these courses do not exist", CommerceCode.COURSE_NOT_FOUND
        )


def _minor(value: Amount | None, field: str, errors: list[FieldError]) -> int | None:
    """`value` in minor units (None when absent or wrong; then its error is in `errors`)."""
    if value is None:
        return None
    minor = minor_or_error(value.amount, value.currency, field)
    if isinstance(minor, FieldError):
        errors.append(minor)
        return None
    return minor


@dataclass(frozen=True)
class _Discount:
    """A draft's discount in the shape of the coupons table."""

    percent_off: int | None
    amount_off_minor: int | None
    min_order_minor: int
    currency: str | None


def _discount(draft: CouponDraft, errors: list[FieldError]) -> _Discount:
    if not CODE_RE.match(normalise_code(draft.code)):
        errors.append(FieldError("code", "3-64 letters, digits, '-' or '_'", Common.INVALID))
    amount_off = _minor(draft.amount_off, "amount_off", errors)
    min_order = _minor(draft.min_order, "min_order", errors)
    currency = draft.min_order.currency if draft.min_order is not None else None
    if draft.discount_type == DiscountType.PERCENTAGE:
        if draft.percent_off is None or not 1 <= draft.percent_off <= 100:
            errors.append(FieldError("percent_off", "Between 1 and 100", Common.OUT_OF_RANGE))
        if draft.amount_off is not None:
            errors.append(FieldError("amount_off", "Not for a percentage", Common.INVALID))
        return _Discount(draft.percent_off, None, min_order or 0, currency)
    if draft.amount_off is None:
        errors.append(FieldError("amount_off", "A fixed discount needs an amount", Common.REQUIRED))
    elif amount_off is not None and amount_off <= 0:
        errors.append(FieldError("amount_off", "A positive amount", Common.OUT_OF_RANGE))
    if draft.percent_off is not None:
        errors.append(FieldError("percent_off", "Not for a fixed amount", Common.INVALID))
    fixed_currency = draft.amount_off.currency if draft.amount_off is not None else None
    if currency is not None and fixed_currency is not None and currency != fixed_currency:
        errors.append(
            FieldError(
                "min_order",
                "The minimum is in another currency than the discount",
                CommerceCode.CURRENCY_MISMATCH,
            )
        )
    return _Discount(None, amount_off, min_order or 0, fixed_currency)


WINDOW = ("valid_from", "valid_until")


def _in_utc(values: dict[str, Any]) -> dict[str, Any]:
    """The window's date-times of `values` in UTC; INVALID (naive) / OUT_OF_RANGE field errors."""
    errors: list[FieldError] = []
    moments: dict[str, Any] = {}
    for name in WINDOW:
        value = values.get(name)
        if value is None:
            continue
        if value.tzinfo is None or value.utcoffset() is None:
            errors.append(FieldError(name, "Give the time zone (an offset)", Common.INVALID))
            continue
        try:
            moments[name] = value.astimezone(UTC)
        except OverflowError:
            errors.append(FieldError(name, "Outside the supported dates", Common.OUT_OF_RANGE))
    collect(errors)
    return moments


def _rule_errors(values: dict[str, Any], used_count: int = 0) -> list[FieldError]:
    errors: list[FieldError] = []
    start, end = values.get("valid_from"), values.get("valid_until")
    if start is not None and end is not None and end <= start:
        errors.append(
            FieldError("valid_until", "The end must be after the start", CommerceCode.INVALID_RANGE)
        )
    limit = values.get("usage_limit")
    if limit is not None and (limit <= 0 or limit < used_count):
        errors.append(
            FieldError("usage_limit", "Positive and at least the uses so far", Common.OUT_OF_RANGE)
        )
    per_user = values.get("per_user_limit")
    if per_user is not None and per_user <= 0:
        errors.append(
            FieldError("per_user_limit", "Positive, or none for no limit", Common.OUT_OF_RANGE)
        )
    if (values.get("min_order_minor") or 0) < 0:
        errors.append(FieldError("min_order", "Not negative", Common.OUT_OF_RANGE))
    description = values.get("description")
    if description is not None and len(description) > MAX_DESCRIPTION:
        errors.append(
            FieldError("description", f"At most {MAX_DESCRIPTION} characters", Common.TOO_LONG)
        )
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
    draft = replace(draft, **_in_utc(draft.__dict__))
    errors: list[FieldError] = []
    discount = _discount(draft, errors)
    collect(errors + _rule_errors({**draft.__dict__, "min_order_minor": discount.min_order_minor}))
    await _check_courses(session, course_ids)
    code = normalise_code(draft.code)
    if await coupon_by_code(session, code) is not None:
        raise Conflict("code", "This code is already in use", CommerceCode.CODE_TAKEN)
    coupon = Coupon(
        code=code,
        description=draft.description,
        discount_type=draft.discount_type,
        percent_off=discount.percent_off,
        amount_off_minor=discount.amount_off_minor,
        currency=discount.currency,
        valid_from=draft.valid_from,
        valid_until=draft.valid_until,
        usage_limit=draft.usage_limit,
        per_user_limit=draft.per_user_limit,
        min_order_minor=discount.min_order_minor,
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


def _min_order_changes(coupon: Coupon, value: Amount | None) -> dict[str, Any]:
    """The columns a new minimum order sets: none clears it (a percentage coupon then applies
    in any currency again); a fixed coupon's minimum is in the currency of its amount."""
    fixed = coupon.discount_type == DiscountType.FIXED
    if value is None:
        return {"min_order_minor": 0} if fixed else {"min_order_minor": 0, "currency": None}
    minor = to_minor(value, "min_order")
    if fixed and value.currency != coupon.currency:
        raise Conflict(
            "min_order",
            f"The coupon's discount is in {coupon.currency}",
            CommerceCode.CURRENCY_MISMATCH,
        )
    return {"min_order_minor": minor, "currency": value.currency}


async def update_coupon(
    session: AsyncSession, *, actor: Actor, coupon_id: uuid.UUID, **changes: Any
) -> Coupon:
    """Change the UPDATABLE fields present in `changes`. A new scope needs the same rights."""
    if unknown := set(changes) - UPDATABLE:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    found = await lock_coupon(session, coupon_id)
    coupon = await coupon_for_manager(session, actor=actor, coupon=found)
    columns = {k: v for k, v in changes.items() if k not in ("course_ids", "min_order")}
    columns |= _in_utc(columns)
    if "min_order" in changes:
        columns |= _min_order_changes(coupon, changes["min_order"])
    current = {name: getattr(coupon, name) for name in _RULED}
    collect(_rule_errors(current | columns, coupon.used_count))
    if "course_ids" in changes:
        course_ids = list(dict.fromkeys(changes["course_ids"] or ()))
        await _require_scope_rights(session, actor, course_ids)
        await _check_courses(session, course_ids)
        await _set_scope(session, coupon.id, course_ids)
    for name, value in columns.items():
        setattr(coupon, name, value)
    await session.flush()
    return coupon


async def deactivate_coupon(session: AsyncSession, *, actor: Actor, coupon_id: uuid.UUID) -> Coupon:
    """Idempotent; reserved uses stay reserved, new checkouts get COUPON_INACTIVE."""
    return await update_coupon(session, actor=actor, coupon_id=coupon_id, is_active=False)
