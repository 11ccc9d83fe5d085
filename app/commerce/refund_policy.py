"""The refund policy as pure arithmetic on integer minor units (Property 54).

For one order item:
- refundable = paid - already refunded (never negative);
- within REFUND_WINDOW_DAYS of payment and with less than REFUND_FULL_MAX_CONSUMED_PERCENT of the
  course's lessons completed: everything still refundable;
- within the window with more consumed: paid * (1 - completed / total), rounded down, minus what was
  already refunded (a course without lessons counts as nothing consumed);
- after the window: nothing.
Admins may refund any amount up to `refundable` (paid - already refunded), policy aside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RefundPolicy:
    window_days: int = 14
    full_max_consumed_percent: int = 20


@dataclass(frozen=True)
class Consumption:
    completed_lessons: int
    total_lessons: int


def refundable(paid_minor: int, refunded_minor: int) -> int:
    """What is left to refund on an item, whatever the policy: 0 ≤ result ≤ paid."""
    paid = max(paid_minor, 0)
    return min(paid, max(paid - max(refunded_minor, 0), 0))


def policy_amount(
    *,
    paid_minor: int,
    refunded_minor: int,
    paid_at: datetime,
    now: datetime,
    consumption: Consumption,
    policy: RefundPolicy,
) -> int:
    """The amount a student's refund request returns for one item (0 ≤ amount ≤ refundable)."""
    left = refundable(paid_minor, refunded_minor)
    if left == 0 or now - paid_at > timedelta(days=policy.window_days):
        return 0
    completed = min(max(consumption.completed_lessons, 0), max(consumption.total_lessons, 0))
    total = max(consumption.total_lessons, 0)
    if total == 0 or completed * 100 < policy.full_max_consumed_percent * total:
        return left
    prorated = max(paid_minor, 0) * (total - completed) // total
    return min(left, max(prorated - max(refunded_minor, 0), 0))


def order_status_after(items: list[tuple[int, int]]) -> str:
    """ "refunded" when every item (paid, refunded) is fully refunded, else "partially_refunded"
    when anything was refunded, else "paid"."""
    if any(refunded > 0 for _, refunded in items):
        if all(refunded >= paid for paid, refunded in items):
            return "refunded"
        return "partially_refunded"
    return "paid"
