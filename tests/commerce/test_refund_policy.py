"""Property 54: refunds follow the policy and content consumed, never above what was paid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.commerce.refund_policy import (
    Consumption,
    RefundPolicy,
    order_status_after,
    policy_amount,
    refundable,
)

PAID_AT = datetime(2026, 1, 1, tzinfo=UTC)
POLICY = RefundPolicy(window_days=14, full_max_consumed_percent=20)


def amount(paid: int, refunded: int, days: float, done: int, total: int) -> int:
    return policy_amount(
        paid_minor=paid,
        refunded_minor=refunded,
        paid_at=PAID_AT,
        now=PAID_AT + timedelta(days=days),
        consumption=Consumption(done, total),
        policy=POLICY,
    )


@settings(max_examples=50)
@given(
    paid=st.integers(0, 10**9),
    refunded=st.integers(-10, 10**9),
    days=st.floats(0, 60),
    total=st.integers(0, 200),
    done=st.integers(-5, 250),
)
def test_property_54_refund_is_never_negative_nor_above_what_is_left(
    paid: int, refunded: int, days: float, total: int, done: int
) -> None:
    got = amount(paid, refunded, days, done, total)
    assert 0 <= got <= refundable(paid, refunded) <= max(paid, 0)


@settings(max_examples=50)
@given(paid=st.integers(1, 10**7), steps=st.lists(st.integers(1, 10**7), max_size=8))
def test_property_54_partial_refunds_accumulate_and_stop_at_the_paid_amount(
    paid: int, steps: list[int]
) -> None:
    refunded = 0
    for step in steps:
        refunded += min(step, refundable(paid, refunded))
        assert refunded <= paid
    assert refundable(paid, refunded) == paid - refunded


def test_property_54_full_refund_early_in_the_window_with_little_consumed() -> None:
    assert amount(10_000, 0, 3, 1, 10) == 10_000
    assert amount(10_000, 2_500, 3, 1, 10) == 7_500


def test_property_54_pro_rated_by_content_consumed_from_the_threshold_on() -> None:
    assert amount(10_000, 0, 3, 2, 10) == 8_000  # exactly 20%: no longer a full refund
    assert amount(10_000, 0, 3, 5, 10) == 5_000
    assert amount(10_000, 3_000, 3, 5, 10) == 2_000
    assert amount(10_000, 6_000, 3, 5, 10) == 0
    assert amount(10_000, 0, 3, 10, 10) == 0


def test_property_54_nothing_after_the_window() -> None:
    assert amount(10_000, 0, 14, 0, 10) == 10_000
    assert amount(10_000, 0, 14.01, 0, 10) == 0


def test_a_course_without_lessons_counts_as_nothing_consumed() -> None:
    assert amount(5_000, 0, 1, 0, 0) == 5_000


def test_order_status_follows_its_items() -> None:
    assert order_status_after([(100, 0), (200, 0)]) == "paid"
    assert order_status_after([(100, 100), (200, 0)]) == "partially_refunded"
    assert order_status_after([(100, 100), (200, 200)]) == "refunded"
