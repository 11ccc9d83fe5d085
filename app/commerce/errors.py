"""Codes of the expected failures of the commerce domain (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class CommerceCode(Code):
    ALREADY_OWNED = "ALREADY_OWNED", "You already have access to this course: no need to buy it."
    ALREADY_REFUNDED = "ALREADY_REFUNDED", "The order has been refunded in full already."
    ALREADY_SUBSCRIBED = (
        "ALREADY_SUBSCRIBED",
        "You have a live subscription already (cancel it before subscribing again).",
    )
    AMOUNT_TOO_HIGH = "AMOUNT_TOO_HIGH", "The amount is more than what is left to refund."
    CART_EMPTY = "CART_EMPTY", "The cart has no course in it."
    CODE_TAKEN = "CODE_TAKEN", "Another coupon has this code (codes ignore case)."
    COUPON_EXHAUSTED = "COUPON_EXHAUSTED", "The coupon has been used as many times as it may be."
    COUPON_EXPIRED = "COUPON_EXPIRED", "The coupon's validity window has ended."
    COUPON_INACTIVE = "COUPON_INACTIVE", "The coupon has been deactivated."
    COUPON_LIMIT_REACHED = "COUPON_LIMIT_REACHED", "You have used this coupon as often as allowed."
    COUPON_NOT_APPLICABLE = (
        "COUPON_NOT_APPLICABLE",
        "The coupon is for other courses than those in the cart.",
    )
    COUPON_NOT_FOUND = "COUPON_NOT_FOUND", "No coupon has this code."
    COUPON_NOT_STARTED = "COUPON_NOT_STARTED", "The coupon's validity window has not begun yet."
    COURSE_FREE = "COURSE_FREE", "The course is free: enroll instead of buying it."
    COURSE_NOT_FOUND = "COURSE_NOT_FOUND", "One of the listed courses does not exist."
    COURSE_UNAVAILABLE = "COURSE_UNAVAILABLE", "A course in the cart is no longer sold."
    CURRENCY_MISMATCH = (
        "CURRENCY_MISMATCH",
        "The amount or course is in another currency than the cart, order or coupon.",
    )
    INVALID_RANGE = "INVALID_RANGE", "The end of the time range is not after its start."
    INVALID_REDIRECT = "INVALID_REDIRECT", "The URL is not on the site's own address."
    MIN_ORDER_NOT_MET = "MIN_ORDER_NOT_MET", "The cart's subtotal is below the coupon's minimum."
    NOT_IN_CART = "NOT_IN_CART", "The course is not in the cart."
    NOT_IN_ORDER = "NOT_IN_ORDER", "The course is not part of the order."
    NOT_REFUNDABLE = "NOT_REFUNDABLE", "Nothing in the order can be refunded (policy or amounts)."
    ORDER_HAS_NO_PAYMENT = "ORDER_HAS_NO_PAYMENT", "The order has no payment to settle."
    ORDER_NOT_PAID = "ORDER_NOT_PAID", "Only a paid order can be refunded."
    ORDER_NOT_PAYABLE = (
        "ORDER_NOT_PAYABLE",
        "The order cannot be paid any more (paid, failed, canceled or free).",
    )
    ORDER_PENDING = (
        "ORDER_PENDING",
        "You have an unpaid order for this course: pay it, or wait until it expires.",
    )
    PAYMENT_ALREADY_SETTLED = (
        "PAYMENT_ALREADY_SETTLED",
        "The payment provider has settled this payment already.",
    )
    PAYMENT_UNKNOWN = "PAYMENT_UNKNOWN", "The payment provider does not know this payment."
    PAYMENT_REFUSED = (
        "PAYMENT_REFUSED",
        "The payment provider refused the request; the message says why.",
    )
    RANGE_TOO_LONG = "RANGE_TOO_LONG", "The time range spans more than five years."
    TIER_UNAVAILABLE = "TIER_UNAVAILABLE", "The course is not sold in this pricing tier."
    TOTAL_CHANGED = (
        "TOTAL_CHANGED",
        "The cart's total is not the one you expected: review the cart and retry.",
    )
