"""Commerce: carts, coupons, orders, payments, provider events, refunds and subscriptions.

Money is never a float: every amount is an integer number of minor units (`*_minor`, BIGINT)
beside a `currency` (ISO 4217, CHAR(3)). Financial records outlive what they refer to: deleting a
course sets `order_items.course_id` to NULL (the title is snapshotted), anonymising or deleting a
user sets `orders.user_id` / `payments.user_id` to NULL, and an order with payments or refunds
cannot be deleted (RESTRICT).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.catalog.models import PricingTier
from app.db import Base, CreatedMixin, IdMixin, TimestampMixin, str_enum


class DiscountType(enum.StrEnum):
    PERCENTAGE = "percentage"
    FIXED = "fixed"


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    REQUIRES_PAYMENT = "requires_payment"
    PAID = "paid"
    FAILED = "failed"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class PaymentProvider(enum.StrEnum):
    STRIPE = "stripe"
    LOCAL = "local"


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class BillingInterval(enum.StrEnum):
    MONTH = "month"
    YEAR = "year"


class SubscriptionStatus(enum.StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"


def _currency() -> Mapped[str]:
    return mapped_column(CHAR(3), default="USD", server_default="USD")


class Cart(IdMixin, TimestampMixin, Base):
    __tablename__ = "carts"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    coupon_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("coupons.id", ondelete="SET NULL")
    )


class CartItem(IdMixin, CreatedMixin, Base):
    __tablename__ = "cart_items"

    cart_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    tier: Mapped[PricingTier] = mapped_column(str_enum(PricingTier, "pricing_tier"))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)  # captured when added
    currency: Mapped[str] = _currency()

    __table_args__ = (
        UniqueConstraint("cart_id", "course_id"),
        CheckConstraint("unit_price_minor >= 0", name="price_non_negative"),
    )


class Coupon(IdMixin, TimestampMixin, Base):
    __tablename__ = "coupons"

    code: Mapped[str] = mapped_column(String(64), unique=True)  # stored upper-case
    description: Mapped[str | None] = mapped_column(String(255))
    discount_type: Mapped[DiscountType] = mapped_column(str_enum(DiscountType, "discount_type"))
    percent_off: Mapped[int | None] = mapped_column(SmallInteger)
    amount_off_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(CHAR(3))
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    usage_limit: Mapped[int | None] = mapped_column(Integer)  # NULL: unlimited
    per_user_limit: Mapped[int | None] = mapped_column(Integer, default=1, server_default="1")
    used_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    min_order_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        CheckConstraint("code = upper(code) AND length(code) > 0", name="code_upper"),
        CheckConstraint(
            "(discount_type = 'percentage' AND percent_off BETWEEN 1 AND 100"
            " AND amount_off_minor IS NULL)"
            " OR (discount_type = 'fixed' AND amount_off_minor > 0 AND currency IS NOT NULL"
            " AND percent_off IS NULL)",
            name="discount_shape",
        ),
        CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_until > valid_from",
            name="window_ordered",
        ),
        CheckConstraint("usage_limit IS NULL OR usage_limit > 0", name="usage_limit_positive"),
        CheckConstraint(
            "per_user_limit IS NULL OR per_user_limit > 0", name="per_user_limit_positive"
        ),
        CheckConstraint(
            "used_count >= 0 AND (usage_limit IS NULL OR used_count <= usage_limit)",
            name="used_within_limit",
        ),
        CheckConstraint("min_order_minor >= 0", name="min_order_non_negative"),
    )


class CouponCourse(Base):
    """Restricts a coupon to these courses; a coupon without rows applies to every course."""

    __tablename__ = "coupon_courses"

    coupon_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("coupons.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Order(IdMixin, TimestampMixin, Base):
    __tablename__ = "orders"

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # receipt number shown on invoices (sequence-backed, never used as an API id)
    number: Mapped[int] = mapped_column(BigInteger, Identity(start=100001), unique=True)
    status: Mapped[OrderStatus] = mapped_column(
        str_enum(OrderStatus, "order_status"), default=OrderStatus.PENDING, server_default="pending"
    )
    subtotal_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    total_minor: Mapped[int] = mapped_column(BigInteger)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    currency: Mapped[str] = _currency()
    coupon_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("coupons.id", ondelete="RESTRICT"), index=True
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of the request body
    provider: Mapped[PaymentProvider | None] = mapped_column(
        str_enum(PaymentProvider, "payment_provider")
    )
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    paid_at: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint(
            "subtotal_minor >= 0 AND discount_minor >= 0 AND tax_minor >= 0 AND total_minor >= 0",
            name="amounts_non_negative",
        ),
        CheckConstraint("discount_minor <= subtotal_minor", name="discount_within_subtotal"),
        CheckConstraint(
            "total_minor = subtotal_minor - discount_minor + tax_minor", name="total_adds_up"
        ),
        CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= total_minor", name="refund_within_total"
        ),
        Index("ix_orders_user_created", "user_id", "created_at"),
        Index("ix_orders_status_created", "status", "created_at"),
    )


class OrderItem(IdMixin, CreatedMixin, Base):
    __tablename__ = "order_items"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(220))  # snapshot at purchase
    tier: Mapped[PricingTier] = mapped_column(str_enum(PricingTier, "pricing_tier"))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    total_minor: Mapped[int] = mapped_column(BigInteger)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    __table_args__ = (
        UniqueConstraint("order_id", "course_id"),
        CheckConstraint(
            "unit_price_minor >= 0 AND discount_minor >= 0 AND discount_minor <= unit_price_minor",
            name="amounts_valid",
        ),
        CheckConstraint("total_minor = unit_price_minor - discount_minor", name="total_adds_up"),
        CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= total_minor", name="refund_within_total"
        ),
    )


class CouponRedemption(IdMixin, Base):
    __tablename__ = "coupon_redemptions"

    coupon_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("coupons.id", ondelete="RESTRICT"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    discount_minor: Mapped[int] = mapped_column(BigInteger)
    redeemed_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        UniqueConstraint("coupon_id", "order_id"),
        CheckConstraint("discount_minor >= 0", name="discount_non_negative"),
        Index("ix_coupon_redemptions_coupon_user", "coupon_id", "user_id"),
    )


class PaymentCustomer(IdMixin, CreatedMixin, Base):
    __tablename__ = "payment_customers"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    provider: Mapped[PaymentProvider] = mapped_column(str_enum(PaymentProvider, "payment_provider"))
    provider_customer_id: Mapped[str] = mapped_column(String(255), unique=True)


class SubscriptionPlan(IdMixin, TimestampMixin, Base):
    __tablename__ = "subscription_plans"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = _currency()
    interval: Mapped[BillingInterval] = mapped_column(
        str_enum(BillingInterval, "billing_interval"),
        default=BillingInterval.MONTH,
        server_default="month",
    )
    trial_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    provider_price_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    features: Mapped[list[Any]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))

    __table_args__ = (
        CheckConstraint("price_minor >= 0", name="price_non_negative"),
        CheckConstraint("trial_days >= 0", name="trial_days_non_negative"),
    )


class Subscription(IdMixin, TimestampMixin, Base):
    __tablename__ = "subscriptions"

    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("subscription_plans.id", ondelete="RESTRICT"), index=True
    )
    provider: Mapped[PaymentProvider] = mapped_column(str_enum(PaymentProvider, "payment_provider"))
    provider_subscription_id: Mapped[str] = mapped_column(String(255), unique=True)
    provider_customer_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[SubscriptionStatus] = mapped_column(
        str_enum(SubscriptionStatus, "subscription_status"),
        default=SubscriptionStatus.INCOMPLETE,
        server_default="incomplete",
    )
    current_period_start: Mapped[datetime | None]
    current_period_end: Mapped[datetime | None]
    trial_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    canceled_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_subscriptions_status_period_end", "status", "current_period_end"),)


class Payment(IdMixin, TimestampMixin, Base):
    __tablename__ = "payments"

    order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), index=True
    )
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    provider: Mapped[PaymentProvider] = mapped_column(str_enum(PaymentProvider, "payment_provider"))
    provider_payment_id: Mapped[str] = mapped_column(String(255), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    amount_refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    currency: Mapped[str] = _currency()
    status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus, "payment_status"),
        default=PaymentStatus.PENDING,
        server_default="pending",
    )
    method: Mapped[str | None] = mapped_column(String(50))
    failure_code: Mapped[str | None] = mapped_column(String(100))
    failure_message: Mapped[str | None] = mapped_column(Text)
    succeeded_at: Mapped[datetime | None]
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSONB, default=dict, server_default=text("'{}'::jsonb")
    )

    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="amount_non_negative"),
        CheckConstraint(
            "amount_refunded_minor >= 0 AND amount_refunded_minor <= amount_minor",
            name="refund_within_amount",
        ),
        Index("ix_payments_status_created", "status", "created_at"),
    )


class PaymentEvent(IdMixin, Base):
    """A provider webhook event, stored under a unique id in the same transaction as its effect."""

    __tablename__ = "payment_events"

    provider: Mapped[PaymentProvider] = mapped_column(str_enum(PaymentProvider, "payment_provider"))
    provider_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    processing_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_payment_events_unprocessed",
            "received_at",
            postgresql_where=text("processed_at IS NULL"),
        ),
    )


class Refund(IdMixin, TimestampMixin, Base):
    __tablename__ = "refunds"

    payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payments.id", ondelete="RESTRICT"), index=True
    )
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), index=True
    )
    order_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("order_items.id", ondelete="SET NULL"), index=True
    )
    enrollment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL"), index=True
    )
    provider_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = _currency()
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RefundStatus] = mapped_column(
        str_enum(RefundStatus, "refund_status"),
        default=RefundStatus.PENDING,
        server_default="pending",
    )
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    processed_at: Mapped[datetime | None]
    failure_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)
